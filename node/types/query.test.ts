import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { conditionToString, matches, parseQuery, QueryParseError } from "./query.ts";

describe("types/query", () => {
  it("parses the forms cosmjs and explorers send", () => {
    const q = parseQuery("tm.event='Tx' AND transfer.recipient='open1abc' AND tx.height>=5 AND tx.height<10");
    assert.equal(q.conditions.length, 4);
    assert.deepEqual(q.conditions[0], { key: "tm.event", op: "=", operand: { kind: "string", value: "Tx" } });
    assert.equal(q.conditions[2]?.op, ">=");
    assert.deepEqual(q.conditions.map(conditionToString), [
      "tm.event='Tx'",
      "transfer.recipient='open1abc'",
      "tx.height>=5",
      "tx.height<10",
    ]);
    const q2 = parseQuery("  tx.hash = 'ABCD'   AND  coin.amount CONTAINS 'uopen' AND message.sender EXISTS ");
    assert.deepEqual(q2.conditions.map((c) => c.op), ["=", "CONTAINS", "EXISTS"]);
    assert.deepEqual(parseQuery("").conditions, []);
    assert.deepEqual(parseQuery("wasm-x.a_b=1.5").conditions[0]?.operand, { kind: "number", int: 15n, scale: 1, text: "1.5" });
  });

  const bad: [string, string][] = [
    ["tx.height", "operator"],
    ["tx.height=", "quoted string"],
    ["a='x' OR b='y'", "AND"],
    ["a='x", "unterminated"],
    ["a CONTAINS 5", "CONTAINS"],
    ["a>'x'", "needs a number"],
    ["=5", "attribute name"],
    ["a=5abc", "invalid number"],
    ["a='x' AND", "attribute name"],
    ["a=DATE 2020-13-01", "DATE"],
    ["a=TIME yesterday", "TIME"],
    ["a=\"x\"", "quoted string"],
  ];
  for (const [q, frag] of bad) {
    it(`rejects ${JSON.stringify(q)}`, () => {
      assert.throws(
        () => parseQuery(q),
        (e: unknown) => e instanceof QueryParseError && e.message.includes(frag),
        `case ${q}`,
      );
    });
  }

  it("matches when any value of the key satisfies the condition", () => {
    const ev = {
      "tm.event": ["Tx"],
      "tx.height": ["8"],
      "transfer.recipient": ["open1a", "open1b"],
      "transfer.amount": ["100uopen", "5uopen"],
      "block.time": ["2026-01-02T03:04:05.5Z"],
    };
    const cases: [string, boolean][] = [
      ["tm.event='Tx'", true],
      ["tm.event='NewBlock'", false],
      ["transfer.recipient='open1b'", true],
      ["transfer.recipient='open1c'", false],
      ["tx.height=8", true],
      ["tx.height=8.0", true],
      ["tx.height>8", false],
      ["tx.height>=8 AND tx.height<=8", true],
      ["tx.height<8", false],
      ["transfer.amount>99", true],
      ["transfer.amount<5", false],
      ["transfer.amount CONTAINS 'uop'", true],
      ["transfer.amount CONTAINS 'atom'", false],
      ["transfer.sender EXISTS", false],
      ["transfer.recipient EXISTS AND tm.event='Tx'", true],
      ["tm.event='Tx' AND transfer.recipient='open1z'", false],
      ["block.time>TIME 2026-01-02T03:04:05Z", true],
      ["block.time<TIME 2026-01-02T03:04:05Z", false],
      ["block.time>=DATE 2026-01-02", true],
      ["block.time>DATE 2026-01-02", false],
      ["", true],
    ];
    for (const [q, want] of cases) assert.equal(matches(parseQuery(q), ev), want, `case ${q}`);
  });

  it("compares big integers exactly", () => {
    const ev = { "a.b": ["18446744073709551617"] };
    assert.equal(matches(parseQuery("a.b>18446744073709551616"), ev), true);
    assert.equal(matches(parseQuery("a.b=18446744073709551616"), ev), false);
  });
});
