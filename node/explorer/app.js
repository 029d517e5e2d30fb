// OpenLedger built-in explorer: plain browser JS (no build step, no CDN), reads this node's Cosmos
// REST API (same origin). Hash routes: #/ #/blocks #/block/H #/txs #/tx/HASH #/account/ADDR
// #/datanets #/datanet/ID #/models #/model/ID #/receipts #/receipt/ID #/contributor/ADDR
"use strict";

const view = document.getElementById("view");
const DENOM = "uopen";
const EXP = 6;

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

async function api(path) {
  const res = await fetch(path);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message || `HTTP ${res.status} for ${path}`);
  return body;
}

async function apiOr(path, fallback) {
  try {
    return await api(path);
  } catch {
    return fallback;
  }
}

function fmtAmount(amount, denom) {
  if (denom !== DENOM) return `${amount} ${denom}`;
  const s = String(amount).replace(/^0+(?=\d)/, "").padStart(EXP + 1, "0");
  const whole = s.slice(0, -EXP).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = s.slice(-EXP).replace(/0+$/, "");
  return `${whole}${frac ? "." + frac : ""} OPEN`;
}
const coin = (c) => (c ? fmtAmount(c.amount, c.denom) : "—");
const coins = (cs) => (cs && cs.length ? cs.map(coin).join(", ") : "—");
const short = (a) => (a && a.length > 20 ? `${a.slice(0, 10)}…${a.slice(-6)}` : a || "");
const b64hex = (b) => (b ? Array.from(atob(b), (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("").toUpperCase() : "");
const time = (t) => (t ? new Date(t).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "");
const link = (href, text) => `<a href="${esc(href)}">${esc(text)}</a>`;
const addrLink = (a) => link(`#/account/${a}`, short(a));
const contributorLink = (a) => link(`#/contributor/${a}`, short(a));

function table(headers, rows, numCols = []) {
  const th = headers.map((h, i) => `<th class="${numCols.includes(i) ? "num" : ""}">${esc(h)}</th>`).join("");
  const tr = rows.length
    ? rows.map((r) => `<tr>${r.map((c, i) => `<td class="${numCols.includes(i) ? "num" : ""}">${c}</td>`).join("")}</tr>`).join("")
    : `<tr><td colspan="${headers.length}" class="muted">none</td></tr>`;
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

function kv(pairs) {
  return `<dl class="kv">${pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join("")}</dl>`;
}

function card(k, v, id) {
  return `<div class="card"${id ? ` id="${id}"` : ""}><div class="k">${esc(k)}</div><div class="v">${v}</div></div>`;
}

// ------------------------------------------------------------------ charts (SVG)

const PALETTE = ["#3355dd", "#e07b39", "#2a9d8f", "#c0392b", "#8e44ad", "#f1c40f", "#16a085", "#7f8c8d", "#d35400", "#27ae60"];

/** horizontal bars: one per contributor share (plus the remainder), width ∝ amount. */
function splitChart(receipt) {
  const fee = BigInt(receipt.fee?.amount || "0");
  const items = (receipt.shares || []).map((s) => ({ label: s.contributor, amount: BigInt(s.amount), href: `#/contributor/${s.contributor}` }));
  if (receipt.remainder && receipt.remainder !== "0") items.push({ label: "remainder (community pool)", amount: BigInt(receipt.remainder), href: "" });
  items.sort((a, b) => (b.amount > a.amount ? 1 : b.amount < a.amount ? -1 : 0));
  const max = items.reduce((m, i) => (i.amount > m ? i.amount : m), 1n);
  const W = 760, labelW = 230, valueW = 200, barW = W - labelW - valueW, rowH = 26;
  const H = Math.max(1, items.length) * rowH + 10;
  const rows = items.map((it, i) => {
    const w = Number((it.amount * BigInt(barW)) / max);
    const pct = fee > 0n ? Number((it.amount * 10000n) / fee) / 100 : 0;
    const y = 5 + i * rowH;
    const label = it.href ? `<a href="${esc(it.href)}"><text x="0" y="${y + 16}" fill="#3355dd">${esc(short(it.label))}</text></a>` : `<text x="0" y="${y + 16}" fill="#6b7385">${esc(it.label)}</text>`;
    return `<g class="share" data-contributor="${esc(it.label)}" data-amount="${it.amount}">${label}` +
      `<rect x="${labelW}" y="${y + 3}" width="${Math.max(1, w)}" height="${rowH - 8}" fill="${PALETTE[i % PALETTE.length]}"><title>${esc(it.label)}: ${it.amount}</title></rect>` +
      `<text x="${labelW + Math.max(1, w) + 6}" y="${y + 16}" fill="#1d2330">${esc(fmtAmount(it.amount.toString(), receipt.fee?.denom || DENOM))} (${pct.toFixed(2)}%)</text></g>`;
  });
  return `<svg class="split-chart" role="img" aria-label="per-contributor split of receipt ${esc(receipt.id)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-size="12" font-family="system-ui, sans-serif">${rows.join("")}</svg>`;
}

/** cumulative earnings (step line) over block height. points: [{height, amount}] sorted by height. */
function earningsChart(points, denom) {
  const W = 760, H = 260, L = 90, R = 20, T = 16, B = 36;
  if (points.length === 0) return `<p class="muted">no earnings yet</p>`;
  let cum = 0n;
  const series = points.map((p) => ({ h: p.height, v: (cum += p.amount) }));
  const h0 = series[0].h, h1 = Math.max(series[series.length - 1].h, h0 + 1);
  const vmax = series[series.length - 1].v > 0n ? series[series.length - 1].v : 1n;
  const x = (h) => L + ((h - h0) / (h1 - h0)) * (W - L - R);
  const y = (v) => T + (1 - Number((v * 10000n) / vmax) / 10000) * (H - T - B);
  let d = `M ${x(h0)} ${y(0n)}`;
  let prev = 0n;
  for (const s of series) {
    d += ` L ${x(s.h)} ${y(prev)} L ${x(s.h)} ${y(s.v)}`;
    prev = s.v;
  }
  const dots = series.map((s) => `<circle cx="${x(s.h)}" cy="${y(s.v)}" r="3" fill="#3355dd"><title>height ${s.h}: ${s.v}</title></circle>`).join("");
  const axis =
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#999"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#999"/>` +
    `<text x="${L}" y="${H - B + 16}" fill="#6b7385">${h0}</text><text x="${W - R}" y="${H - B + 16}" text-anchor="end" fill="#6b7385">${h1}</text>` +
    `<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle" fill="#6b7385">block height</text>` +
    `<text x="${L - 6}" y="${T + 10}" text-anchor="end" fill="#6b7385">${esc(fmtAmount(vmax.toString(), denom))}</text>` +
    `<text x="${L - 6}" y="${H - B}" text-anchor="end" fill="#6b7385">0</text>`;
  return `<svg class="earnings-chart" role="img" aria-label="cumulative earnings" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-size="12" font-family="system-ui, sans-serif">${axis}<path d="${d}" fill="none" stroke="#3355dd" stroke-width="2"/>${dots}</svg>`;
}

// ------------------------------------------------------------------ pages

async function latestBlocks(n) {
  const latest = await api("/cosmos/base/tendermint/v1beta1/blocks/latest");
  const top = Number(latest.block.header.height);
  const out = [latest];
  for (let h = top - 1; h >= Math.max(1, top - n + 1); h--) out.push(await apiOr(`/cosmos/base/tendermint/v1beta1/blocks/${h}`, null));
  return out.filter(Boolean);
}

function blockRows(blocks) {
  return blocks.map((b) => [link(`#/block/${b.block.header.height}`, b.block.header.height), esc(time(b.block.header.time)), String(b.block.data.txs.length), `<span class="mono">${esc(short(b.sdk_block?.header?.proposer_address || ""))}</span>`]);
}

async function dashboard() {
  const [ni, blocks, vals, supply, pool, dns, models] = await Promise.all([
    api("/cosmos/base/tendermint/v1beta1/node_info"),
    latestBlocks(10),
    apiOr("/cosmos/staking/v1beta1/validators?status=BOND_STATUS_BONDED&pagination.limit=200", { validators: [] }),
    apiOr(`/cosmos/bank/v1beta1/supply/by_denom?denom=${DENOM}`, { amount: { denom: DENOM, amount: "0" } }),
    apiOr("/cosmos/staking/v1beta1/pool", { pool: { bonded_tokens: "0" } }),
    apiOr("/openledger/datanet/v1/datanets?pagination.count_total=true", { datanets: [] }),
    apiOr("/openledger/attribution/v1/models?pagination.count_total=true", { models: [] }),
  ]);
  const h = blocks[0].block.header;
  const txs = await apiOr(`/cosmos/tx/v1beta1/txs?query=${encodeURIComponent("tx.height>0")}&order_by=ORDER_BY_DESC&limit=10`, { tx_responses: [] });
  view.innerHTML =
    `<h1>${esc(ni.default_node_info.network)}</h1>` +
    `<div class="cards">${card("Latest height", `<span id="latest-height">${esc(h.height)}</span>`)}${card("Block time", esc(time(h.time)))}${card("Validators", String(vals.validators.length))}` +
    `${card("Supply", esc(coin(supply.amount)))}${card("Bonded", esc(fmtAmount(pool.pool.bonded_tokens, DENOM)))}${card("Datanets", String(dns.datanets.length))}${card("Models", String(models.models.length))}</div>` +
    `<h2>Latest blocks</h2>${table(["Height", "Time", "Txs", "Proposer"], blockRows(blocks), [2])}` +
    `<h2>Latest txs</h2>${txTable(txs.tx_responses)}` +
    `<h2>Validators</h2>${table(["Moniker", "Operator", "Tokens", "Status"], vals.validators.map((v) => [esc(v.description.moniker), `<span class="mono">${esc(v.operator_address)}</span>`, esc(fmtAmount(v.tokens, DENOM)), esc(v.status)]), [2])}`;
}

function txTable(rs) {
  return table(
    ["Hash", "Height", "Messages", "Result", "Time"],
    (rs || []).map((r) => [
      `<span class="mono">${link(`#/tx/${r.txhash}`, short(r.txhash))}</span>`,
      link(`#/block/${r.height}`, r.height),
      esc((r.tx?.body?.messages || []).map((m) => m["@type"].split(".").pop()).join(", ")),
      r.code === 0 ? `<span class="ok">ok</span>` : `<span class="bad">${esc(r.codespace)}:${r.code}</span>`,
      esc(time(r.timestamp)),
    ]),
  );
}

async function blocksPage() {
  view.innerHTML = `<h1>Blocks</h1>${table(["Height", "Time", "Txs", "Proposer"], blockRows(await latestBlocks(25)), [2])}`;
}

async function blockPage(h) {
  const [b, txs] = await Promise.all([api(`/cosmos/base/tendermint/v1beta1/blocks/${h}`), apiOr(`/cosmos/tx/v1beta1/txs?query=${encodeURIComponent(`tx.height=${h}`)}&limit=100`, { tx_responses: [] })]);
  const hd = b.block.header;
  view.innerHTML =
    `<h1>Block ${esc(hd.height)}</h1>` +
    kv([
      ["Hash", `<span class="mono">${esc(b64hex(b.block_id.hash))}</span>`],
      ["Time", esc(time(hd.time))],
      ["Chain", esc(hd.chain_id)],
      ["Proposer", `<span class="mono">${esc(b.sdk_block?.header?.proposer_address || b64hex(hd.proposer_address))}</span>`],
      ["App hash", `<span class="mono">${esc(b64hex(hd.app_hash))}</span>`],
      ["Txs", String(b.block.data.txs.length)],
      ["Signatures", String(b.block.last_commit.signatures.filter((s) => s.block_id_flag === "BLOCK_ID_FLAG_COMMIT").length)],
    ]) +
    `<p>${Number(hd.height) > 1 ? link(`#/block/${Number(hd.height) - 1}`, "← previous") : ""} ${link(`#/block/${Number(hd.height) + 1}`, "next →")}</p>` +
    `<h2>Transactions</h2>${txTable(txs.tx_responses)}`;
}

async function txsPage() {
  const txs = await api(`/cosmos/tx/v1beta1/txs?query=${encodeURIComponent("tx.height>0")}&order_by=ORDER_BY_DESC&limit=50`);
  view.innerHTML = `<h1>Transactions</h1>${txTable(txs.tx_responses)}`;
}

async function txPage(hash) {
  const t = await api(`/cosmos/tx/v1beta1/txs/${hash}`);
  const r = t.tx_response;
  view.innerHTML =
    `<h1>Transaction</h1>` +
    kv([
      ["Hash", `<span class="mono" id="tx-hash">${esc(r.txhash)}</span>`],
      ["Height", link(`#/block/${r.height}`, r.height)],
      ["Time", esc(time(r.timestamp))],
      ["Result", r.code === 0 ? `<span class="ok">success</span>` : `<span class="bad">failed ${esc(r.codespace)}:${r.code} ${esc(r.raw_log)}</span>`],
      ["Gas used / wanted", `${esc(r.gas_used)} / ${esc(r.gas_wanted)}`],
      ["Fee", esc(coins(t.tx.auth_info.fee.amount))],
      ["Memo", esc(t.tx.body.memo)],
    ]) +
    `<h2>Messages</h2>${t.tx.body.messages.map((m) => `<pre>${esc(JSON.stringify(m, null, 2))}</pre>`).join("")}` +
    `<h2>Events</h2>${table(["Type", "Attributes"], r.events.map((e) => [esc(e.type), `<span class="mono">${e.attributes.map((a) => `${esc(a.key)}=${esc(a.value)}`).join("<br>")}</span>`]))}`;
}

async function accountPage(addr) {
  const [acc, bal, txs] = await Promise.all([
    apiOr(`/cosmos/auth/v1beta1/accounts/${addr}`, null),
    apiOr(`/cosmos/bank/v1beta1/balances/${addr}`, { balances: [] }),
    apiOr(`/cosmos/tx/v1beta1/txs?query=${encodeURIComponent(`message.sender='${addr}'`)}&order_by=ORDER_BY_DESC&limit=20`, { tx_responses: [] }),
  ]);
  view.innerHTML =
    `<h1>Account</h1>` +
    kv([
      ["Address", `<span class="mono">${esc(addr)}</span>`],
      ["Balances", esc(coins(bal.balances))],
      ["Account number / sequence", acc ? `${esc(acc.account.account_number)} / ${esc(acc.account.sequence)}` : "not on chain"],
      ["Contributor earnings", link(`#/contributor/${addr}`, "receipts and earnings over time")],
    ]) +
    `<h2>Sent txs</h2>${txTable(txs.tx_responses)}`;
}

async function datanetsPage() {
  const d = await api("/openledger/datanet/v1/datanets?pagination.limit=200");
  view.innerHTML =
    `<h1>Datanets</h1>` +
    table(
      ["ID", "Name", "Owner", "Gating", "Contributions", "Snapshots", "Created"],
      d.datanets.map((x) => [link(`#/datanet/${x.id}`, x.id), esc(x.name), addrLink(x.owner), esc(String(x.gating).replace("GATING_", "").toLowerCase()), esc(x.contribution_count), esc(x.snapshot_count), link(`#/block/${x.created_height}`, x.created_height)]),
      [4, 5],
    );
}

async function datanetPage(id) {
  const [d, cs] = await Promise.all([api(`/openledger/datanet/v1/datanet/${id}`), apiOr(`/openledger/datanet/v1/contributions/${id}?pagination.limit=100`, { contributions: [] })]);
  const x = d.datanet;
  view.innerHTML =
    `<h1>Datanet ${esc(x.id)}: ${esc(x.name)}</h1>` +
    kv([
      ["Owner", addrLink(x.owner)],
      ["Description", esc(x.description)],
      ["Schema", `<span class="mono">${esc(JSON.stringify(x.schema))}</span>`],
      ["License", esc(x.license)],
      ["Gating", esc(x.gating)],
      ["Min stake", esc(x.min_stake)],
      ["Contributions / snapshots", `${esc(x.contribution_count)} / ${esc(x.snapshot_count)}`],
    ]) +
    `<h2>Contributions</h2>${table(["ID", "Index", "Contributor", "Status", "Stake", "Height"], (cs.contributions || []).map((c) => [esc(c.id), esc(c.index), contributorLink(c.contributor), esc(String(c.status).replace("CONTRIBUTION_STATUS_", "").toLowerCase()), esc(coin(c.stake)), link(`#/block/${c.submitted_height}`, c.submitted_height)]))}`;
}

async function modelsPage() {
  const m = await api("/openledger/attribution/v1/models?pagination.limit=200");
  view.innerHTML =
    `<h1>Models</h1>` +
    table(
      ["ID", "Name", "Owner", "Datanet", "Points", "Index"],
      m.models.map((x) => [link(`#/model/${x.id}`, x.id), esc(x.name), addrLink(x.owner), link(`#/datanet/${x.datanet_id}`, x.datanet_id), esc(x.num_points), x.index_complete ? "complete" : `${esc(x.indexed_points)} stored`]),
      [4],
    );
}

function receiptRows(rs) {
  return rs.map((r) => [link(`#/receipt/${r.id}`, r.id), link(`#/model/${r.model_id}`, r.model_id), link(`#/block/${r.height}`, r.height), esc(coin(r.fee)), String((r.shares || []).length)]);
}

async function modelPage(id) {
  const [m, rs] = await Promise.all([api(`/openledger/attribution/v1/model/${id}`), apiOr(`/openledger/attribution/v1/receipts_by_model/${id}?pagination.limit=100`, { receipts: [] })]);
  const x = m.model;
  view.innerHTML =
    `<h1>Model ${esc(x.id)}: ${esc(x.name)}</h1>` +
    kv([
      ["Owner", addrLink(x.owner)],
      ["Datanet / snapshot", `${link(`#/datanet/${x.datanet_id}`, x.datanet_id)} / ${esc(x.snapshot_id)}`],
      ["ONNX hash", `<span class="mono">${esc(b64hex(x.onnx_hash))}</span>`],
      ["Embedding dim / points", `${esc(x.embedding_dim)} / ${esc(x.num_points)}`],
      ["Registered at", link(`#/block/${x.registered_height}`, x.registered_height)],
    ]) +
    `<h2>Inference receipts</h2>${table(["Receipt", "Model", "Height", "Fee", "Contributors"], receiptRows(rs.receipts), [4])}`;
}

async function receiptsPage() {
  const m = await api("/openledger/attribution/v1/models?pagination.limit=200");
  const all = [];
  for (const x of m.models) all.push(...((await apiOr(`/openledger/attribution/v1/receipts_by_model/${x.id}?pagination.limit=100`, { receipts: [] })).receipts || []));
  all.sort((a, b) => Number(b.id) - Number(a.id));
  view.innerHTML = `<h1>Inference receipts</h1>${table(["Receipt", "Model", "Height", "Fee", "Contributors"], receiptRows(all), [4])}`;
}

async function receiptPage(id) {
  const r = (await api(`/openledger/attribution/v1/receipt/${id}`)).receipt;
  view.innerHTML =
    `<h1>Inference receipt ${esc(r.id)}</h1>` +
    kv([
      ["Model", link(`#/model/${r.model_id}`, r.model_id)],
      ["Height", link(`#/block/${r.height}`, r.height)],
      ["Fee", esc(coin(r.fee))],
      ["Method", esc(r.method ? `${r.method.method} v${r.method.version}` : "")],
      ["k / matches / n", `${esc(r.k)} / ${esc(r.matches)} / ${esc(r.n)}`],
      ["Query hash", `<span class="mono">${esc(b64hex(r.query_hash))}</span>`],
      ["Remainder", esc(fmtAmount(r.remainder || "0", r.fee?.denom || DENOM))],
    ]) +
    `<h2>Where the fee went</h2><div class="chart">${splitChart(r)}</div>` +
    `<h2>Shares</h2>${table(["Contributor", "Amount"], (r.shares || []).map((s) => [contributorLink(s.contributor), esc(fmtAmount(s.amount, r.fee?.denom || DENOM))]), [1])}`;
}

async function contributorPage(addr) {
  const rs = (await apiOr(`/openledger/attribution/v1/receipts_by_contributor/${addr}?pagination.limit=1000`, { receipts: [] })).receipts || [];
  const points = rs
    .map((r) => ({ height: Number(r.height), amount: BigInt((r.shares || []).find((s) => s.contributor === addr)?.amount || "0"), receipt: r }))
    .sort((a, b) => a.height - b.height);
  const total = points.reduce((s, p) => s + p.amount, 0n);
  const denom = rs[0]?.fee?.denom || DENOM;
  view.innerHTML =
    `<h1>Contributor</h1>` +
    kv([
      ["Address", `<span class="mono">${esc(addr)}</span> (${link(`#/account/${addr}`, "account")})`],
      ["Receipts", String(rs.length)],
      ["Total earned (attribution)", `<span id="total-earned">${esc(fmtAmount(total.toString(), denom))}</span>`],
    ]) +
    `<h2>Earnings over time</h2><div class="chart">${earningsChart(points, denom)}</div>` +
    `<h2>Receipts</h2>${table(["Receipt", "Model", "Height", "Share"], points.map((p) => [link(`#/receipt/${p.receipt.id}`, p.receipt.id), link(`#/model/${p.receipt.model_id}`, p.receipt.model_id), link(`#/block/${p.height}`, p.height), esc(fmtAmount(p.amount.toString(), denom))]), [3])}`;
}

// ------------------------------------------------------------------ router

const ROUTES = [
  [/^#?\/?$/, dashboard],
  [/^#\/blocks$/, blocksPage],
  [/^#\/block\/(\d+)$/, blockPage],
  [/^#\/txs$/, txsPage],
  [/^#\/tx\/([0-9A-Fa-f]{64})$/, txPage],
  [/^#\/account\/(\w+)$/, accountPage],
  [/^#\/datanets$/, datanetsPage],
  [/^#\/datanet\/(\d+)$/, datanetPage],
  [/^#\/models$/, modelsPage],
  [/^#\/model\/(\d+)$/, modelPage],
  [/^#\/receipts$/, receiptsPage],
  [/^#\/receipt\/(\d+)$/, receiptPage],
  [/^#\/contributor\/(\w+)$/, contributorPage],
];

async function route() {
  const h = location.hash || "#/";
  document.body.dataset.ready = "0";
  for (const [re, page] of ROUTES) {
    const m = re.exec(h);
    if (m === null) continue;
    try {
      await page(...m.slice(1));
    } catch (e) {
      view.innerHTML = `<p class="error">${esc(e.message)}</p>`;
    }
    document.body.dataset.ready = "1";
    return;
  }
  view.innerHTML = `<p class="error">unknown page ${esc(h)}</p>`;
  document.body.dataset.ready = "1";
}

document.getElementById("search").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = document.getElementById("q").value.trim();
  if (/^\d+$/.test(q)) location.hash = `#/block/${q}`;
  else if (/^#\d+$/.test(q)) location.hash = `#/receipt/${q.slice(1)}`;
  else if (/^[0-9A-Fa-f]{64}$/.test(q)) location.hash = `#/tx/${q.toUpperCase()}`;
  else if (/^open1\w+$/.test(q)) location.hash = `#/account/${q}`;
});

window.addEventListener("hashchange", route);
api("/cosmos/base/tendermint/v1beta1/node_info").then((ni) => (document.getElementById("chain").textContent = `${ni.default_node_info.network} · ${ni.default_node_info.moniker}`), () => {});
route();
