// Aave's threshold-style health factor: collateral × liquidationThreshold / debt, from @aave/math-utils.
//
// usage: node aave-health-factor.js cases.json
//   cases.json: {"cases":[{"collateral":"<USD decimal>","borrow":"<USD decimal>","liquidationThreshold":<bps, 1e4 = 100%>}]}
// prints {"results":["<health factor, bignumber.js default: 20 decimal places, half-up>"]}
'use strict';
const fs = require('fs');
const { calculateHealthFactorFromBalances } = require('@aave/math-utils');

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const results = input.cases.map((c) => calculateHealthFactorFromBalances({
  collateralBalanceMarketReferenceCurrency: c.collateral,
  borrowBalanceMarketReferenceCurrency: c.borrow,
  currentLiquidationThreshold: c.liquidationThreshold,
}).toFixed());
process.stdout.write(JSON.stringify({ results }));
