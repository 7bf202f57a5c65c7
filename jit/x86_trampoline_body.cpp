#include "emitters.h"
namespace ctabi::jit {
Result<GeneratedCode> emit_trampoline_body_x86(const abi::CallLayout&) {
    return make_error("i386 trampolines: not yet");
}
} // namespace ctabi::jit
