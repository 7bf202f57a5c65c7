// fork() and the libffi-compatible library's own locks. ctabi's code memory
// is made fork-safe by jit/fork_safety.cpp; this library adds two locks of
// its own, the signature table's (cif.cpp) and the closures' (closures.cpp),
// each held while calling into ctabi's code cache and code memory. A fork()
// while another thread holds one would leave the child's copy locked for
// ever (POSIX: the child has only the forking thread), so the first
// ffi_prep_cif or ffi_closure_alloc in the child would hang.
//
// pthread_atfork runs prepare handlers in the reverse order of their
// registration and the parent and child handlers in that order. The lock
// order is: signature table, closures, then ctabi's (code cache, code
// memory). So ctabi's handlers are registered first (their prepare runs
// last) and ours after them, at load time.
#include <pthread.h>

#include <cstdio>

#include "../../jit/exec_memory.h"
#include "ffi_internal.h"

namespace ctabi::ffi {
namespace {

void prepare() {
    cif_table_fork_prepare();
    closures_fork_prepare();
}

void parent() {
    closures_fork_parent();
    cif_table_fork_parent();
}

void child() {
    closures_fork_child();
    cif_table_fork_child();
}

__attribute__((constructor)) void install_fork_handlers() {
    jit::install_fork_handlers();
    if (pthread_atfork(&prepare, &parent, &child) != 0)
        std::fputs("ctabi libffi: pthread_atfork failed: fork() while another thread "
                   "prepares a cif or a closure may leave the child's locks held\n",
                   stderr);
}

} // namespace
} // namespace ctabi::ffi
