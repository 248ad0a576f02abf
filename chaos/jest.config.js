// The audit's unit tests need no stack: they feed crafted records to pure functions.
module.exports = { ...require('../jest.preset')(__dirname), globalSetup: undefined };
