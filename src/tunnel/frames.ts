// One websocket carries many byte streams (kubelet HTTP requests for logs today; exec and
// port-forward later). Each binary message is one frame: a type byte, a stream id, a payload.
export enum FrameType {
  /** server → agent: open a stream to the named target (payload: target, UTF-8). */
  Open = 1,
  /** agent → server: the target answered; data may flow. */
  Opened = 2,
  Data = 3,
  /** The sender will write no more (half close). */
  End = 4,
  /** The stream failed or was abandoned (payload: reason, UTF-8). */
  Reset = 5,
}

export interface Frame {
  type: FrameType;
  stream: number;
  payload: Buffer;
}

const headerBytes = 5;

export function encodeFrame(type: FrameType, stream: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const frame = Buffer.allocUnsafe(headerBytes + body.length);
  frame.writeUInt8(type, 0);
  frame.writeUInt32BE(stream, 1);
  body.copy(frame, headerBytes);
  return frame;
}

export function decodeFrame(data: Buffer): Frame | undefined {
  if (data.length < headerBytes) return undefined;
  const type = data.readUInt8(0);
  if (type < FrameType.Open || type > FrameType.Reset) return undefined;
  return { type, stream: data.readUInt32BE(1), payload: data.subarray(headerBytes) };
}
