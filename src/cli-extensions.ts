// Commands contributed by features (feed upload, simulate, bench), each in its own file.
import type { Command } from 'commander';

export const CLI_EXTENSIONS: ((program: Command) => void)[] = [];
