#include "emitters.h"
namespace ctabi::jit {
Result<GeneratedCode> emit_forward_thunk_x86(const abi::Signature&, const abi::CallLayout&,
                                             const abi::CallLayout&, const void*) {
    return make_error("i386 thunks: not yet");
}
} // namespace ctabi::jit
