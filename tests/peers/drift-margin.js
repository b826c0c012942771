// Drift's perp margin ratio with the size premium (IMF), straight from @drift-labs/sdk.
//
// usage: node drift-margin.js cases.json
//   cases.json: {"cases":[{"size":"<base amount, AMM_RESERVE_PRECISION 1e9>","imfFactor":<1e6 units>,
//                 "marginRatioInitial":<1e4 units>,"marginRatioMaintenance":<1e4 units>}]}
// prints {"results":[{"initial":<1e4 units>,"maintenance":<1e4 units>,
//          "sizePremiumInitial":"<1e4 units>","sizePremiumMaintenance":"<1e4 units>"}]}
'use strict';
const fs = require('fs');
const { BN } = require('@coral-xyz/anchor');
const { calculateMarketMarginRatio, calculateSizePremiumLiabilityWeight, MARGIN_PRECISION } = require('@drift-labs/sdk');

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const results = input.cases.map((c) => {
  const size = new BN(c.size);
  const market = {
    status: 'Active',
    marginRatioInitial: c.marginRatioInitial,
    marginRatioMaintenance: c.marginRatioMaintenance,
    imfFactor: c.imfFactor,
    highLeverageMarginRatioInitial: 0,
    highLeverageMarginRatioMaintenance: 0,
  };
  return {
    initial: calculateMarketMarginRatio(market, size, 'Initial'),
    maintenance: calculateMarketMarginRatio(market, size, 'Maintenance'),
    sizePremiumInitial: calculateSizePremiumLiabilityWeight(size, new BN(c.imfFactor), new BN(c.marginRatioInitial), MARGIN_PRECISION).toString(),
    sizePremiumMaintenance: calculateSizePremiumLiabilityWeight(size, new BN(c.imfFactor), new BN(c.marginRatioMaintenance), MARGIN_PRECISION).toString(),
  };
});
process.stdout.write(JSON.stringify({ results }));
