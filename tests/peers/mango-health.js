// Mango v4's HealthCache on token-only portfolios, built the way mango-v4's own healthCache.spec does
// (TokenInfo.fromBank over a mocked bank), but with weights and prices from exact decimal strings
// (I80F48.fromString, nearest 2^-48) instead of floating point.
//
// usage: node mango-health.js cases.json
//   cases.json: {"cases":[{"tokens":[{"price":"<USD per native unit>","balance":"<native units, integer>",
//                 "initAssetWeight":"0.8","maintAssetWeight":"0.9","initLiabWeight":"1.2","maintLiabWeight":"1.1"}]}]}
// prints {"results":[{"init":"<raw>","liquidationEnd":"<raw>","maint":"<raw>"}]} where <raw> is the I80F48
// value times 2^48 as an exact integer string.
'use strict';
const fs = require('fs');
const { I80F48 } = require('@blockworks-foundation/mango-v4/dist/cjs/src/numbers/I80F48');
const { TokenInfo, HealthCache } = require('@blockworks-foundation/mango-v4/dist/cjs/src/accounts/healthCache');
const { HealthType } = require('@blockworks-foundation/mango-v4/dist/cjs/src/accounts/mangoAccount');

function mockBank(tokenIndex, t) {
  const initAssetWeight = I80F48.fromString(t.initAssetWeight);
  const initLiabWeight = I80F48.fromString(t.initLiabWeight);
  const maintAssetWeight = I80F48.fromString(t.maintAssetWeight);
  const maintLiabWeight = I80F48.fromString(t.maintLiabWeight);
  const price = I80F48.fromString(t.price);
  return {
    tokenIndex,
    initAssetWeight,
    initLiabWeight,
    maintAssetWeight,
    maintLiabWeight,
    price,
    // The stable price equals the oracle price: Clearing has no stable-price model, so the init prices are
    // the oracle price too (Prices.asset/liab take min/max of the two).
    stablePriceModel: { stablePrice: Number(t.price) },
    // No deposit/borrow weight scaling: the scaled init weights are the init weights.
    scaledInitAssetWeight: () => initAssetWeight,
    scaledInitLiabWeight: () => initLiabWeight,
    maintWeights: () => [maintAssetWeight, maintLiabWeight],
  };
}

function healthCacheOf(portfolio) {
  const infos = portfolio.tokens.map((t, i) => {
    const info = TokenInfo.fromBank(mockBank(i, t), I80F48.fromString(t.balance));
    // fromBank builds Prices from the stable price as a JS number; put the exact oracle price back.
    info.prices.stable = info.prices.oracle;
    return info;
  });
  return new HealthCache(infos, [], []);
}

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const results = input.cases.map((portfolio) => {
  const cache = healthCacheOf(portfolio);
  return {
    init: cache.health(HealthType.init).getData().toString(),
    liquidationEnd: cache.health(HealthType.liquidationEnd).getData().toString(),
    maint: cache.health(HealthType.maint).getData().toString(),
  };
});
process.stdout.write(JSON.stringify({ results }));
