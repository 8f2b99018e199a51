// node:buffer for scripts: the ES6 runtime's global Buffer (jsapi/es6.js), which the platform's
// Node runtime has too.
"use strict";
module.exports = {
  Buffer: Buffer,
  kMaxLength: 0x7fffffff,
  constants: { MAX_LENGTH: 0x7fffffff, MAX_STRING_LENGTH: 0x1fffffe8 },
  atob: atob,
  btoa: btoa,
};
