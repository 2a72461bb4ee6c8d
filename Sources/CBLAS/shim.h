#include <cblas.h>

/// Tells the CPU that the calling thread is spinning on a shared variable (x86 `pause`).
static inline void echox_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}
