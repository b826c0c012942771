// Times Mango v4's HealthCache on a sample of the benchmark's portfolios, for the per-account ratio in
// tests/Clearing.Benchmarks/README.md. Each (chain, asset) slot is one Mango token (bank); each perp market
// one Mango perp market settling in token 0; banks and perp markets are mocked the way mango-v4's own
// healthCache.spec does.
//
// usage: node mango-bench.js sample.json [rounds]
//   sample.json: {"tokens":[{"price":"<USD per native unit>","initAssetWeight":..,"maintAssetWeight":..,
//                  "initLiabWeight":..,"maintLiabWeight":..}],
//                 "markets":[{"price":"<USD per base lot>","initBaseWeight":"0.1","maintBaseWeight":"0.05"}],
//                 "accounts":[{"balances":[[tokenIndex,"<native>"]],"positions":[[marketIndex,<base lots>,"<quote native>"]]}]}
// prints {"accounts":N,"evaluateOnlyAccountsPerSecond":..,"evaluateOnlyAccountsPerCpuSecond":..,
//          "buildAndEvaluateAccountsPerSecond":..,"buildAndEvaluateAccountsPerCpuSecond":..,"checksum":".."}
//   evaluateOnly: health(init), health(liquidationEnd), health(maint) on HealthCaches built beforehand;
//   buildAndEvaluate: TokenInfo/PerpInfo/HealthCache construction plus the same three health calls.
'use strict';
const fs = require('fs');
const { BN } = require('@coral-xyz/anchor');
const { I80F48, ZERO_I80F48 } = require('@blockworks-foundation/mango-v4/dist/cjs/src/numbers/I80F48');
const { TokenInfo, PerpInfo, HealthCache } = require('@blockworks-foundation/mango-v4/dist/cjs/src/accounts/healthCache');
const { HealthType, PerpPosition } = require('@blockworks-foundation/mango-v4/dist/cjs/src/accounts/mangoAccount');

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const rounds = Number(process.argv[3] || 3);
const one = I80F48.fromString('1');

const banks = input.tokens.map((t, tokenIndex) => {
  const w = (s) => I80F48.fromString(s);
  const bank = {
    tokenIndex,
    initAssetWeight: w(t.initAssetWeight), maintAssetWeight: w(t.maintAssetWeight),
    initLiabWeight: w(t.initLiabWeight), maintLiabWeight: w(t.maintLiabWeight),
    price: w(t.price), stablePriceModel: { stablePrice: Number(t.price) },
  };
  bank.scaledInitAssetWeight = () => bank.initAssetWeight;
  bank.scaledInitLiabWeight = () => bank.initLiabWeight;
  bank.maintWeights = () => [bank.maintAssetWeight, bank.maintLiabWeight];
  return bank;
});

const perpMarkets = input.markets.map((m, perpMarketIndex) => ({
  perpMarketIndex, settleTokenIndex: 0,
  maintBaseAssetWeight: one.sub(I80F48.fromString(m.maintBaseWeight)), initBaseAssetWeight: one.sub(I80F48.fromString(m.initBaseWeight)),
  maintBaseLiabWeight: one.add(I80F48.fromString(m.maintBaseWeight)), initBaseLiabWeight: one.add(I80F48.fromString(m.initBaseWeight)),
  maintOverallAssetWeight: one, initOverallAssetWeight: one,
  price: I80F48.fromString(m.price), stablePriceModel: { stablePrice: Number(m.price) },
  quoteLotSize: new BN(1), baseLotSize: new BN(1),
  longFunding: ZERO_I80F48(), shortFunding: ZERO_I80F48(),
}));

function perpPosition(marketIndex, baseLots, quote) {
  const z = () => new BN(0);
  return new PerpPosition(marketIndex, 0, z(), new BN(baseLots), I80F48.fromString(quote), z(), ZERO_I80F48(), ZERO_I80F48(),
    z(), z(), z(), z(), 0, 0, z(), z(), z(), 0, ZERO_I80F48(), ZERO_I80F48(), z(), ZERO_I80F48());
}

// Parsed once: what a Mango client holds in memory before computing health.
const accounts = input.accounts.map((a) => {
  const balances = new Map([[0, ZERO_I80F48()]]); // the perp settle token must be present
  for (const [token, amount] of a.balances) balances.set(token, I80F48.fromString(amount));
  return {
    balances: [...balances.entries()],
    positions: a.positions.map(([market, lots, quote]) => [market, perpPosition(market, lots, quote)]),
  };
});

function build(account) {
  const tokenInfos = account.balances.map(([token, amount]) => TokenInfo.fromBank(banks[token], amount));
  const perpInfos = account.positions.map(([market, position]) => PerpInfo.fromPerpPosition(perpMarkets[market], position));
  return new HealthCache(tokenInfos, [], perpInfos);
}

function evaluate(cache, sum) {
  sum.iadd(cache.health(HealthType.init));
  sum.iadd(cache.health(HealthType.liquidationEnd));
  sum.iadd(cache.health(HealthType.maint));
}

// Best of `rounds`, in wall-clock seconds and in CPU seconds of this process (the machine may be shared).
function timeIt(fn) {
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    fn();
    const used = process.cpuUsage(cpuStart);
    wall = Math.min(wall, Number(process.hrtime.bigint() - start) / 1e9);
    cpu = Math.min(cpu, (used.user + used.system) / 1e6);
  }
  return { wall, cpu };
}

const caches = accounts.map(build);
const checksum = ZERO_I80F48();
const evaluateOnly = timeIt(() => { const sum = ZERO_I80F48(); for (const c of caches) evaluate(c, sum); checksum.data = sum.data; });
const buildAndEvaluate = timeIt(() => { const sum = ZERO_I80F48(); for (const a of accounts) evaluate(build(a), sum); });
process.stdout.write(JSON.stringify({
  accounts: accounts.length,
  rounds,
  evaluateOnlyAccountsPerSecond: Math.round(accounts.length / evaluateOnly.wall),
  evaluateOnlyAccountsPerCpuSecond: Math.round(accounts.length / evaluateOnly.cpu),
  buildAndEvaluateAccountsPerSecond: Math.round(accounts.length / buildAndEvaluate.wall),
  buildAndEvaluateAccountsPerCpuSecond: Math.round(accounts.length / buildAndEvaluate.cpu),
  checksum: checksum.toString(),
}));
