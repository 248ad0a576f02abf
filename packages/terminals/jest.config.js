const preset = require('../../jest.preset')(__dirname);

// Browser modules import each other as `./x.js`, as browsers need; jest finds the `.ts`.
module.exports = { ...preset, moduleNameMapper: { ...preset.moduleNameMapper, '^(\\.{1,2}/.*)\\.js$': '$1' } };
