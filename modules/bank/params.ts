/** bank params: default_send_enabled (per-denom send_enabled entries live in their own keys, SDK 0.47+). */
export interface BankParams {
  readonly defaultSendEnabled: boolean;
}

export function defaultParams(): BankParams {
  return { defaultSendEnabled: true };
}

export function validateParams(_p: BankParams): void {}
