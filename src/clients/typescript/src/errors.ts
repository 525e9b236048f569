import { YakErrorCatalogue } from "./generated/protocol";

/** Nothing answers where yakd should be (code YAK1001): not running, or the socket is missing. */
export class DaemonUnavailableError extends Error {
  readonly code = "YAK1001";
  readonly fix = YakErrorCatalogue.YAK1001.fix;
}

/** The socket is not provably this user's yakd (code YAK1004): nothing was sent. */
export class UntrustedDaemonError extends Error {
  readonly code = "YAK1004";
  readonly fix = YakErrorCatalogue.YAK1004.fix;
}

/** yakd speaks no protocol version this client speaks (code YAK1002). */
export class IncompatibleDaemonError extends Error {
  readonly code = "YAK1002";
  readonly fix = YakErrorCatalogue.YAK1002.fix;
}

/**
 * A JSON-RPC error returned by yakd. `rpcCode` is the JSON-RPC code (ErrorCodes); `code` and `fix` come from the
 * error's data (the catalogue code, e.g. YAK1103, and the line to show under the message) when yakd sent them.
 */
export class YakRpcError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly rpcCode: number,
    readonly code: string | undefined,
    readonly fix: string | undefined,
    readonly data: unknown,
  ) {
    super(message);
  }
}
