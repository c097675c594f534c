#if !os(Linux)
    #error("Gavel builds on Linux only: its transport, process pool and output sink use Glibc calls.")
#endif
