// One in-process instance per service for the whole file; a fuzz file runs for minutes under `npm run fuzz`.
// forceExit: after the notification file's Kafka fuzz some handle (not found yet) keeps jest from exiting
// although every test passed and every instance stopped; without it a run would hang instead of ending.
module.exports = { ...require('../jest.preset')(__dirname), testTimeout: 3_600_000, forceExit: true };
