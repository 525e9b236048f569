/**
 * launch.json editing for `yak: Debug service` (./debugService.ts): the attach configuration env/debug returns goes
 * into the workspace's .vscode/launch.json, replacing one of the same name and keeping everything else.
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

/** launch.json text (JSONC) as an object; none or blank is an empty one. Throws a SyntaxError when it is not JSON. */
export function parseLaunchJson(existing: string | undefined): LaunchJson {
  if (existing === undefined || existing.trim().length === 0) {
    return { version: "0.2.0", configurations: [] };
  }

  const parsed = JSON.parse(stripJsonComments(existing)) as Partial<LaunchJson> | null;
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new SyntaxError("launch.json is not a JSON object");
  }

  return { ...parsed, version: parsed.version ?? "0.2.0", configurations: Array.isArray(parsed.configurations) ? parsed.configurations : [] };
}

/** Adds `configuration` to launch.json text, replacing one of the same name; other entries and members are kept. */
export function upsertLaunchConfiguration(existing: string | undefined, configuration: AttachConfiguration): string {
  const launch = parseLaunchJson(existing);
  launch.configurations = [...launch.configurations.filter((c) => c.name !== configuration.name), configuration];
  return JSON.stringify(launch, null, 2) + "\n";
}

/** Removes the configurations whose name `matches`; the text and the names removed. */
export function removeLaunchConfigurations(existing: string, matches: (name: string) => boolean): { text: string; removed: string[] } {
  const launch = parseLaunchJson(existing);
  const removed = launch.configurations.filter((c) => typeof c.name === "string" && matches(c.name)).map((c) => c.name);
  launch.configurations = launch.configurations.filter((c) => !removed.includes(c.name));
  return { text: JSON.stringify(launch, null, 2) + "\n", removed };
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
