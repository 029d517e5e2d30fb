/** `genesis add-account` and `genesis validate`. */
import { existsSync, readFileSync } from "node:fs";
import type { GenesisDoc } from "../../../node/types/genesis.ts";
import { parseGenesisDoc } from "../../node.ts";
import { resolve } from "node:path";
import { homePaths } from "../../config/paths.ts";
import { addGenesisAccount, checkGenesis } from "../../genesis/accounts.ts";
import { readGenesisFile, writeGenesisFile } from "../../genesis/genesisFile.ts";
import type { Keyring } from "../../keyring/keyring.ts";
import { isBech32, parseAddress } from "../../util/address.ts";
import { parseCoins } from "../../util/coins.ts";
import { errorMessage, UserError } from "../../util/errors.ts";
import { type CliIo, emit, type OutputFormat } from "../../util/io.ts";
import { loadApp } from "../../app.ts";

/** An address, or the name of a key in the keyring (looked up only when not bech32-shaped). */
export function resolveAddress(kr: Keyring, addressOrName: string): string {
  if (isBech32(addressOrName)) {
    parseAddress(addressOrName);
    return addressOrName;
  }
  if (/^[a-z]+1[02-9ac-hj-np-z]{6,}$/.test(addressOrName)) parseAddress(addressOrName); // wrong prefix or checksum → clear error
  try {
    return kr.get(addressOrName).address;
  } catch (e) {
    throw new UserError(`"${addressOrName}" is neither a valid open1… address nor a key in the ${kr.backend} keyring: ${errorMessage(e)}`);
  }
}

export function genesisAddAccount(io: CliIo, output: OutputFormat, home: string, kr: Keyring, who: string, coinsText: string, append: boolean): void {
  const address = resolveAddress(kr, who);
  const coins = parseCoins(coinsText);
  const file = homePaths(home).genesis;
  const g = readGenesisFile(file);
  const { accountNumber } = addGenesisAccount(g, address, coins, append);
  writeGenesisFile(file, g);
  const coinsOut = coins.map((c) => ({ denom: c.denom, amount: c.amount.toString() }));
  emit(
    io,
    output,
    { address, account_number: accountNumber.toString(), coins: coinsOut },
    `Added genesis account ${address} (account number ${accountNumber}) with ${coinsText}`,
  );
}

/**
 * Full check: the file's own shape (accounts, balances, supply), node/types/genesisJson.ts's parser,
 * then a dry-run InitChain of the real app over an in-memory store (the modules' genesis rules).
 */
export async function genesisValidate(io: CliIo, output: OutputFormat, home: string, fileArg: string | undefined): Promise<void> {
  const file = fileArg !== undefined ? resolve(fileArg) : homePaths(home).genesis;
  if (!existsSync(file)) throw new UserError(`genesis file not found: ${file}`);
  const g = readGenesisFile(file);
  const problems = checkGenesis(g);
  if (problems.length === 0) {
    try {
      const doc = await parseGenesisDoc(readFileSync(file, "utf8"), file);
      await dryRunInitChain(doc);
    } catch (e) {
      problems.push(errorMessage(e));
    }
  }
  if (problems.length > 0) {
    throw new UserError(`genesis ${file} is invalid:\n  - ${problems.join("\n  - ")}`);
  }
  emit(io, output, { file, valid: true, chain_id: g.chain_id }, `File at ${file} is a valid genesis file (chain-id ${g.chain_id})`);
}

async function dryRunInitChain(doc: GenesisDoc): Promise<void> {
  const [{ createOpenLedgerApp }, { MemoryBackend }] = await Promise.all([loadApp(), import("../../../modules/core/store/memory.ts")]);
  const app = await createOpenLedgerApp({ backend: new MemoryBackend() });
  try {
    await app.initChain({
      time: doc.genesisTime,
      chainId: doc.chainId,
      consensusParams: doc.consensusParams,
      validators: doc.validators.map((v) => ({ pubKey: { type: "ed25519", bytes: v.pubKey.value }, power: v.power })),
      appStateBytes: new TextEncoder().encode(JSON.stringify(doc.appState)),
      initialHeight: doc.initialHeight,
    });
  } catch (e) {
    throw new UserError(`app_state rejected by the app's InitChain: ${errorMessage(e)}`);
  } finally {
    await app.close();
  }
}
