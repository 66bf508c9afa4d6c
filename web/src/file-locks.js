// The `file-locks` import (wit/file-locks.wit) for the page.
//
// A page is one program with no filesystem: no directory is granted, so the
// component's SQLite never opens a file to lock, and there is no other
// program to share one with. Every request answers `unsupported`, which tells
// the component's SQLite to go on without locks, as a single process may.
// (jco reads a thrown `payload` as the `err` case of the WIT result.)
const unsupported = () => {
  throw { payload: "unsupported" };
};

export class LockableFile {
  static open(_path) {
    unsupported();
  }
  set(_start, _len, _kind) {
    unsupported();
  }
  conflicts(_start, _len, _kind) {
    unsupported();
  }
  snapshot(_offset, _len, _siblings) {
    unsupported();
  }
}
