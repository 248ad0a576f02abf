// One in-process instance per service for the whole file; a fuzz file runs for minutes under `npm run fuzz`.
module.exports = { ...require('../jest.preset')(__dirname), testTimeout: 3_600_000 };
