const preset = require('../../jest.preset')(__dirname);

// Browser modules import each other as `./x.js`, as browsers need; jest finds the `.ts`. The vendored
// openapi-fetch (copied into dist by the build) is the package itself here.
module.exports = {
  ...preset,
  moduleNameMapper: {
    ...preset.moduleNameMapper,
    '^\\./vendor/openapi-fetch\\.js$': 'openapi-fetch',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};
