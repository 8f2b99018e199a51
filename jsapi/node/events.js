// node:events for scripts: the EventEmitter part packages use, in pure JS.
"use strict";
function EventEmitter() {
  this._events = Object.create(null);
  this._maxListeners = undefined;
}
EventEmitter.prototype._list = function (name) {
  if (!this._events) this._events = Object.create(null);
  return this._events[name] || (this._events[name] = []);
};
EventEmitter.prototype.on = EventEmitter.prototype.addListener = function (name, fn) {
  this._list(name).push(fn);
  return this;
};
EventEmitter.prototype.prependListener = function (name, fn) {
  this._list(name).unshift(fn);
  return this;
};
EventEmitter.prototype.once = function (name, fn) {
  var self = this;
  /** @this {unknown} the emitter's caller's `this`, passed on to the listener */
  function once() {
    self.removeListener(name, once);
    return fn.apply(this, arguments);
  }
  once.listener = fn;
  return this.on(name, once);
};
EventEmitter.prototype.off = EventEmitter.prototype.removeListener = function (name, fn) {
  var list = this._list(name);
  for (var i = list.length - 1; i >= 0; i--) {
    if (list[i] === fn || list[i].listener === fn) {
      list.splice(i, 1);
      break;
    }
  }
  return this;
};
EventEmitter.prototype.removeAllListeners = function (name) {
  if (name === undefined) this._events = Object.create(null);
  else if (this._events) delete this._events[name];
  return this;
};
EventEmitter.prototype.emit = function (name) {
  var list = this._list(name).slice();
  var args = Array.prototype.slice.call(arguments, 1);
  if (name === "error" && list.length === 0) throw args[0] instanceof Error ? args[0] : new Error("Unhandled error event");
  for (var i = 0; i < list.length; i++) list[i].apply(this, args);
  return list.length > 0;
};
EventEmitter.prototype.listeners = function (name) {
  return this._list(name).map(function (f) {
    return f.listener || f;
  });
};
EventEmitter.prototype.listenerCount = function (name) {
  return this._list(name).length;
};
EventEmitter.prototype.eventNames = function () {
  var events = this._events || {};
  return Object.keys(events).filter(function (k) {
    return events[k].length > 0;
  });
};
EventEmitter.prototype.setMaxListeners = function (n) {
  this._maxListeners = n;
  return this;
};
EventEmitter.prototype.getMaxListeners = function () {
  return this._maxListeners === undefined ? EventEmitter.defaultMaxListeners : this._maxListeners;
};
EventEmitter.defaultMaxListeners = 10;
EventEmitter.EventEmitter = EventEmitter;
EventEmitter.once = function (emitter, name) {
  return new Promise(function (resolve) {
    emitter.once(name, function () {
      resolve(Array.prototype.slice.call(arguments));
    });
  });
};
module.exports = EventEmitter;
