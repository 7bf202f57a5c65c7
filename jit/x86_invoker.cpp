#include "emitters.h"
namespace ctabi::jit {
Result<GeneratedCode> emit_invoker_x86(const abi::CallLayout&, const void*,
                                       const abi::ArgumentBuffer*) {
    return make_error("i386 invokers: not yet");
}
} // namespace ctabi::jit
