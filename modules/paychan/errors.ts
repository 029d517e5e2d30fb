/** paychan errors (codespace "paychan"). Codes are protocol: never renumber (test/fixtures/errorCodes.json). */
import { registerError } from "../core/errors.ts";

export const ErrChannelNotFound = registerError("paychan", 2, "channel not found");
export const ErrInvalidSignature = registerError("paychan", 3, "voucher signature is not the payer's");
export const ErrVoucherReplayed = registerError("paychan", 4, "voucher already redeemed");
export const ErrStaleVoucher = registerError("paychan", 5, "voucher nonce below the channel's");
export const ErrExceedsDeposit = registerError("paychan", 6, "voucher amount exceeds the deposit");
export const ErrChannelSettled = registerError("paychan", 7, "channel settled");
export const ErrNotPayer = registerError("paychan", 8, "not the channel's payer");
export const ErrNotPayee = registerError("paychan", 9, "not the channel's payee");
export const ErrChannelClosing = registerError("paychan", 10, "channel is closing");
export const ErrChannelNotClosing = registerError("paychan", 11, "channel is not closing");
export const ErrPubkeyMismatch = registerError("paychan", 12, "public key is not the payer's");
export const ErrAmountDecreased = registerError("paychan", 13, "cumulative amount below what was redeemed");
export const ErrInvalidField = registerError("paychan", 14, "invalid field");
export const ErrInvalidParams = registerError("paychan", 15, "invalid paychan params");
export const ErrInvalidGenesis = registerError("paychan", 16, "invalid paychan genesis");
