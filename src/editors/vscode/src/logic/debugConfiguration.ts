/**
 * The hook for `yakctl debug` (issue 15 point 3): when yakd can start a service under its debugger, the extension
 * writes the attach configuration it returns into the workspace's .vscode/launch.json with `upsertLaunchConfiguration`.
 * Nothing calls it yet: the debug profile's RPC lands with the `debug:` work.
 */
export interface AttachConfiguration {
  readonly name: string;
  readonly type: string;
  readonly request: "attach";
  readonly [key: string]: unknown;
}

export interface LaunchJson {
  version: string;
  configurations: AttachConfiguration[];
  [key: string]: unknown;
}

/** Adds `configuration` to launch.json text, replacing one of the same name; other entries and members are kept. */
export function upsertLaunchConfiguration(existing: string | undefined, configuration: AttachConfiguration): string {
  let launch: LaunchJson = { version: "0.2.0", configurations: [] };
  if (existing !== undefined && existing.trim().length > 0) {
    const parsed = JSON.parse(stripJsonComments(existing)) as Partial<LaunchJson>;
    launch = { ...parsed, version: parsed.version ?? "0.2.0", configurations: Array.isArray(parsed.configurations) ? parsed.configurations : [] };
  }
  launch.configurations = [...launch.configurations.filter((c) => c.name !== configuration.name), configuration];
  return JSON.stringify(launch, null, 2) + "\n";
}

/** launch.json is JSONC: drops // and /* *\/ comments and trailing commas outside strings. */
export function stripJsonComments(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === "\\") {
        out += text[++i] ?? "";
      } else if (c === "\"") {
        inString = false;
      }
    } else if (c === "\"") {
      inString = true;
      out += c;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      i += 2;
      while (i < text.length && !(text[i] === "*" && text[i + 1] === "/")) i++;
      i++;
    } else if (c === "," && /^\s*[}\]]/.test(text.slice(i + 1))) {
      // A trailing comma: dropped.
    } else {
      out += c;
    }
  }
  return out;
}
