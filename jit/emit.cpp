// The public emitters: each checks that the host can run code of the
// layout's architecture, then hands the layout to that architecture's
// emitter (jit/emitters.h).
#include "emitters.h"
#include "exec_memory.h"

namespace ctabi::jit {
namespace {

abi::Arch host_arch() {
    return abi::conv_arch(abi::host_conv());
}

const char* arch_text(abi::Arch arch) {
    return arch == abi::Arch::x86_64 ? "x86-64" : "i386";
}

// Generated code runs in this process, so its instruction set must be the
// host's: a 64-bit process cannot call 32-bit code (nor the other way).
Result<Ok> check_runnable(const abi::CallLayout& layout, const char* what) {
    if (layout.arch == host_arch() || listing_active()) return Ok{};
    return make_error(std::string(abi::conv_name(layout.conv)) + ": " + arch_text(layout.arch) +
                      " " + what + " cannot run in an " + arch_text(host_arch()) + " process");
}

} // namespace

Result<GeneratedCode> emit_invoker(const abi::CallLayout& layout, const void* target,
                                   const abi::ArgumentBuffer* packed) {
    if (auto ok = check_runnable(layout, "code"); !ok) return ok.error();
    if (packed && !target) return make_error("a packed invoker needs a target");
    if (layout.arch == abi::Arch::x86_64) return emit_invoker_x64(layout, target, packed);
    return emit_invoker_x86(layout, target, packed);
}

Result<GeneratedCode> emit_forward_thunk(const abi::Signature& sig,
                                         const abi::CallLayout& target_layout,
                                         const abi::CallLayout& canonical, const void* target) {
    if (auto ok = check_runnable(target_layout, "code"); !ok) return ok.error();
    // (A listing shows i386 code from any process: its canonical layout is
    // then an i386 process's cdecl.)
    const bool native = listing_active() ? canonical.arch == target_layout.arch
                                         : canonical.conv == abi::host_conv() &&
                                               canonical.platform == abi::host_platform();
    if (!native)
        return make_error("a forward thunk's canonical layout must be the host's convention");
    if (target_layout.arch == abi::Arch::x86_64)
        return emit_forward_thunk_x64(sig, target_layout, canonical, target);
    return emit_forward_thunk_x86(sig, target_layout, canonical, target);
}

Result<GeneratedCode> emit_trampoline_body(const abi::CallLayout& layout) {
    if (auto ok = check_runnable(layout, "callbacks"); !ok) return ok.error();
    if (layout.arch == abi::Arch::x86_64) return emit_trampoline_body_x64(layout);
    return emit_trampoline_body_x86(layout);
}

Result<GeneratedCode> emit_trampoline_passthrough(const abi::CallLayout& layout,
                                                  const abi::CallLayout& extended,
                                                  int* data_register) {
    if (data_register) *data_register = -1;
    if (auto ok = check_runnable(layout, "callbacks"); !ok) return ok.error();
    if (layout.arch == abi::Arch::x86_64)
        return emit_trampoline_passthrough_x64(layout, extended, data_register);
    // i386 callbacks use the general body (the pass-through form is an
    // x86-64 optimisation of typed handlers).
    return make_error("no pass-through trampoline body for i386 conventions");
}

} // namespace ctabi::jit
