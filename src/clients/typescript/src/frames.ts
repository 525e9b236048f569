import { StreamFrames } from "./generated/protocol";

/** One side-channel frame: `[type: u8][length: u32 big-endian][payload]` (docs/streams.md). */
export interface Frame {
  readonly type: number;
  readonly payload: Buffer;
}

/** Encodes one frame; payloads over the 1 MiB limit are split into several frames of the same type. */
export function encodeFrames(type: number, payload: Uint8Array = new Uint8Array(0)): Buffer[] {
  const frames: Buffer[] = [];
  let offset = 0;
  do {
    const chunk = payload.subarray(offset, Math.min(payload.length, offset + StreamFrames.maxPayload));
    const frame = Buffer.alloc(StreamFrames.headerBytes + chunk.length);
    frame.writeUInt8(type, 0);
    frame.writeUInt32BE(chunk.length, 1);
    frame.set(chunk, StreamFrames.headerBytes);
    frames.push(frame);
    offset += chunk.length;
  } while (offset < payload.length);
  return frames;
}

export function resizePayload(columns: number, rows: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt16BE(clamp(columns), 0);
  payload.writeUInt16BE(clamp(rows), 2);
  return payload;
}

/** Cuts a byte stream into frames; refuses a frame longer than the limit (the peer is broken). */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(bytes: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
    const frames: Frame[] = [];
    while (this.pending.length >= StreamFrames.headerBytes) {
      const length = this.pending.readUInt32BE(1);
      if (length > StreamFrames.maxPayload) {
        throw new Error(`Frame of ${length} bytes exceeds the ${StreamFrames.maxPayload}-byte limit.`);
      }
      if (this.pending.length < StreamFrames.headerBytes + length) {
        break;
      }
      frames.push({ type: this.pending[0], payload: this.pending.subarray(StreamFrames.headerBytes, StreamFrames.headerBytes + length) });
      this.pending = this.pending.subarray(StreamFrames.headerBytes + length);
    }
    return frames;
  }

  /** True when bytes of an unfinished frame are waiting. */
  get hasPartial(): boolean {
    return this.pending.length > 0;
  }
}

function clamp(value: number): number {
  return Math.max(0, Math.min(0xffff, Math.floor(value)));
}
