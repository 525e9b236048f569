import * as fs from "node:fs";
import * as path from "node:path";
import { DaemonUnavailableError, UntrustedDaemonError } from "./errors";
import { SocketOverrideVariable, effectiveUid } from "./endpoint";

const GroupOrOther = 0o077;

/**
 * Makes sure the daemon socket belongs to this user before a byte is sent, with yakctl's rules
 * (src/Yak.Client/SocketTrust.cs): whoever controls the socket's folder can put their own server there and would
 * receive our commands, exec lines and keystrokes. The folder must be ours, a real folder, and private while a socket
 * is in it. Node has no SO_PEERCRED, so where yakctl asks the kernel for the server's uid we require the socket file
 * itself to be ours; inside a private folder of ours no other user (root aside) can have bound it.
 */
export function checkSocketTrust(socketPath: string, uid: number = effectiveUid()): void {
  const folder = path.dirname(path.resolve(socketPath));
  let found: fs.Stats;
  try {
    found = fs.lstatSync(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new DaemonUnavailableError(`No yakd answers on ${socketPath}: its folder ${folder} does not exist.`);
    }
    if (code === "EACCES") {
      throw new DaemonUnavailableError(`No yakd answers on ${socketPath}: permission denied (its folder belongs to another user).`);
    }
    throw new UntrustedDaemonError(`Refusing to use ${socketPath}: ${(error as Error).message}`);
  }

  if (found.isSymbolicLink()) {
    throw new UntrustedDaemonError(
      `Refusing to use ${socketPath}: its folder ${folder} is a symbolic link. Remove the link (yakd recreates the folder) or set ${SocketOverrideVariable}.`);
  }
  if (!found.isDirectory()) {
    throw new UntrustedDaemonError(`Refusing to use ${socketPath}: ${folder} is not a folder.`);
  }
  if (found.uid !== uid) {
    throw new UntrustedDaemonError(
      `Refusing to use ${socketPath}: its folder ${folder} belongs to uid ${found.uid}, not to you (uid ${uid}), so its owner could be ` +
      `serving the socket. Remove the folder (yakd recreates it) or set ${SocketOverrideVariable} to a path in a folder of yours.`);
  }

  const socket = statOrUndefined(socketPath);
  const mode = (found.mode & 0o777).toString(8).padStart(4, "0");
  if ((found.mode & GroupOrOther) !== 0 && socket === undefined) {
    // Ours but too open, and nothing to talk to yet: the yakd that autostart launches makes it 0700 before it binds.
    throw new DaemonUnavailableError(`No yakd answers on ${socketPath} (its folder ${folder} is mode ${mode}; yakd makes it 0700).`);
  }
  if ((found.mode & GroupOrOther) !== 0) {
    throw new UntrustedDaemonError(
      `Refusing to use ${socketPath}: its folder ${folder} is mode ${mode}, so other users could replace the socket. ` +
      `Run 'chmod 700 ${folder}' (yakd creates it 0700).`);
  }
  if (socket === undefined) {
    throw new DaemonUnavailableError(`No yakd answers on ${socketPath}: nothing is listening.`);
  }
  if (socket.isSymbolicLink() || !socket.isSocket()) {
    throw new UntrustedDaemonError(`Refusing to use ${socketPath}: it is not a socket (a link or a file stands there). Remove it; yakd recreates it.`);
  }
  if (socket.uid !== uid) {
    throw new UntrustedDaemonError(
      `Refusing to talk to ${socketPath}: it belongs to uid ${socket.uid}, not to you (uid ${uid}); nothing was sent. ` +
      "Another user's program is listening where your yakd should be: stop it or remove the socket.");
  }
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return undefined;
    }
    throw error;
  }
}
