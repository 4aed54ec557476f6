//! Safe bindings to libmesos (work in progress).
