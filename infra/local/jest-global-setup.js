// Gives every test file the stack's endpoints, as `npm test` wrote them at start.
const path = require('node:path');
const fs = require('node:fs');

module.exports = async () => {
  const root = path.join(__dirname, '..', '..');
  const file = path.join(process.env.ORDERPULSE_LOCAL_DIR ?? path.join(root, '.local'), 'stack.env');
  if (!fs.existsSync(file)) return;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match && process.env[match[1]] === undefined) process.env[match[1]] = match[2];
  }
};
