// Commands contributed by features (feed upload, simulate, bench), each in its own file.
import type { Command } from 'commander';
import { feedCommands } from './modules/evidence/cli.ts';
import { decisionCommands } from './modules/certification/cli.ts';

export const CLI_EXTENSIONS: ((program: Command) => void)[] = [feedCommands, decisionCommands];
