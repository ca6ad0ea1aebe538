// Progress bars on stderr (stdout carries the report alone), and seconds to one decimal.
import cliProgress from 'cli-progress';

export const sec = (ms: number) => Number((ms / 1000).toFixed(1));

/** Without a terminal (CI, a log file) the bar is written every 10 s instead of redrawn. */
export function bar(format: string, total: number): cliProgress.SingleBar {
  const b = new cliProgress.SingleBar(
    { stream: process.stderr, format, hideCursor: true, etaBuffer: 50, noTTYOutput: true, notTTYSchedule: 10_000 },
    cliProgress.Presets.shades_classic,
  );
  b.start(total, 0);
  return b;
}
