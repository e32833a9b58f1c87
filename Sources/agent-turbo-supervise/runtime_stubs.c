/// On Linux the Swift toolchain links every executable with `swiftrt.o`, whose image constructor registers the
/// binary with the Swift runtime, which drags the runtime in. The supervisor has no Swift code, so these two
/// empty definitions satisfy swiftrt.o and, with the static link (Package.swift), no part of the Swift runtime
/// is loaded: starting the supervisor costs what starting a small C program costs.
#ifdef __linux__
void swift_addNewDSOImage(const void *image) {
    (void)image;
}

int _swift_backtrace_isThunkFunction(const char *name) {
    (void)name;
    return 0;
}
#endif
