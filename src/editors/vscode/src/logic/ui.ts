/**
 * What the logic needs from the editor, and nothing more: src/extension.ts implements it over the VS Code API, the
 * tests over plain arrays. Keeps every decision in code that runs under `node --test`.
 */
export interface YakUi {
  /** The status bar item: short text, a tooltip, and whether it should draw attention. */
  setStatus(text: string, tooltip: string, attention: boolean): void;
  info(message: string): void;
  /** A warning with its fix; `actions` become buttons, the chosen one is returned. */
  warn(message: string, ...actions: string[]): Promise<string | undefined>;
  error(message: string): void;
}

/** Where a followed log goes (an OutputChannel in VS Code). */
export interface LogSink {
  appendLine(line: string): void;
}
