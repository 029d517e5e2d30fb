/** Node-internal errors (STYLE §7.8.2): a code-discriminated metadata object per component. */
export class NodeError<T extends { code: string }> extends Error {
  readonly type: T;
  constructor(type: T, message?: string) {
    super(message ?? type.code);
    this.type = type;
    this.name = "NodeError";
  }
}
