// ctabi's libffi-compatible API: closures. ffi_closure_alloc hands out the
// code address before the signature is known, so a closure is a ctabi
// trampoline stub acquired at once (leading to a loud stop until prepared)
// and pointed at the signature's shared trampoline body by
// ffi_prep_closure_loc. The closure the caller writes is ordinary memory; the
// code is a stub in ctabi's executable memory (never writable there).
#include <alloca.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>

#include "../../jit/code_cache.h"
#include "../../jit/trampoline_stubs.h"
#include "ffi_internal.h"

namespace ctabi::ffi {
namespace {

enum class ClosureKind : uint8_t { plain, raw, java_raw };

// What a closure's stub points at, beside the caller's ffi_closure.
struct ClosureState {
    uint32_t stub_id = 0;
    void* code = nullptr;
    std::shared_ptr<const detail::CodeEntry> body; // once prepared
    ClosureKind kind = ClosureKind::plain;
    ffi_cif* cif = nullptr;
    void* fun = nullptr;
    void* user_data = nullptr;
    uint32_t result_size = 0;
};

std::mutex g_mutex;
// ffi_closure_alloc's closures (the caller's pointer) -> their state.
std::unordered_map<void*, ClosureState*>& closures() {
    static auto* map = new std::unordered_map<void*, ClosureState*>;
    return *map;
}

[[noreturn]] void unprepared_closure_called() {
    std::fputs("ctabi libffi: a closure was called before ffi_prep_closure_loc prepared it; "
               "aborting\n",
               stderr);
    std::abort();
}

// Results narrower than this go through a buffer of ours: libffi's closure
// functions write whole ffi_args (and ctypes' write up to 8 bytes).
constexpr uint32_t kScratch = 64;

void closure_handler(void* data, void* result, void* const* args) {
    auto& s = *static_cast<ClosureState*>(data);
    alignas(16) unsigned char scratch[kScratch];
    const bool via_scratch = s.result_size < kScratch;
    void* out = via_scratch ? scratch : result;
    auto** argv = const_cast<void**>(args);
    switch (s.kind) {
    case ClosureKind::plain:
        reinterpret_cast<void (*)(ffi_cif*, void*, void**, void*)>(s.fun)(s.cif, out, argv,
                                                                          s.user_data);
        break;
    case ClosureKind::raw: {
        auto* raw = static_cast<ffi_raw*>(alloca(ffi_raw_size(s.cif) + sizeof(ffi_raw)));
        ffi_ptrarray_to_raw(s.cif, argv, raw);
        reinterpret_cast<void (*)(ffi_cif*, void*, ffi_raw*, void*)>(s.fun)(s.cif, out, raw,
                                                                            s.user_data);
        break;
    }
    case ClosureKind::java_raw: {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        auto* raw =
            static_cast<ffi_java_raw*>(alloca(ffi_java_raw_size(s.cif) + sizeof(ffi_java_raw)));
        ffi_java_ptrarray_to_raw(s.cif, argv, raw);
#pragma GCC diagnostic pop
        reinterpret_cast<void (*)(ffi_cif*, void*, ffi_java_raw*, void*)>(s.fun)(s.cif, out, raw,
                                                                                 s.user_data);
        break;
    }
    }
    if (via_scratch && s.result_size) std::memcpy(result, scratch, s.result_size);
}

ffi_status prepare(void* closure, ClosureKind kind, ffi_cif* cif, void* fun, void* user_data,
                   void* codeloc) {
    const CifEntry* e = entry_of(cif);
    if (!e) return FFI_BAD_TYPEDEF;
    std::lock_guard lock(g_mutex);
    auto it = closures().find(closure);
    // Not from ffi_closure_alloc (a closure in the caller's own memory would
    // have to be made executable, which ctabi never does), or another
    // closure's code.
    if (it == closures().end() || it->second->code != codeloc) return FFI_BAD_ABI;
    ClosureState& s = *it->second;
    auto body = detail::cached_trampoline_body(e->signature);
    if (!body) return FFI_BAD_TYPEDEF;
    // Re-preparing: the old body stays alive until the stub has left it.
    std::shared_ptr<const detail::CodeEntry> old = std::move(s.body);
    s.body = std::move(*body);
    s.kind = kind;
    s.cif = cif;
    s.fun = fun;
    s.user_data = user_data;
    s.result_size = e->result_size;
    jit::retarget_trampoline_stub(s.stub_id, &closure_handler, &s, detail::entry_code(*s.body));
    return FFI_OK;
}

} // namespace

void closures_fork_prepare() {
    g_mutex.lock();
}
void closures_fork_parent() {
    g_mutex.unlock();
}
// The child's copy records the parent's thread as holder: made anew.
void closures_fork_child() {
    new (&g_mutex) std::mutex;
}

// The code ffi_closure_alloc gave for `closure` (the deprecated prepare
// functions take no code address), or nullptr.
void* code_of(void* closure) {
    std::lock_guard lock(g_mutex);
    auto it = closures().find(closure);
    return it == closures().end() ? nullptr : it->second->code;
}

} // namespace ctabi::ffi

using namespace ctabi::ffi;

extern "C" {

void* ffi_closure_alloc(size_t size, void** code) {
    if (code == nullptr) return nullptr;
    // The caller's closure: ordinary memory of at least an ffi_closure.
    const size_t bytes = size < sizeof(ffi_closure) ? sizeof(ffi_closure) : size;
    void* closure = std::calloc(1, bytes);
    if (!closure) return nullptr;
    auto* state = new (std::nothrow) ClosureState;
    if (!state) {
        std::free(closure);
        return nullptr;
    }
    auto stub = ctabi::jit::acquire_trampoline_stub(
        reinterpret_cast<ctabi::jit::TrampolineHandler>(&unprepared_closure_called), nullptr,
        reinterpret_cast<const void*>(&unprepared_closure_called));
    if (!stub) {
        delete state;
        std::free(closure);
        return nullptr;
    }
    state->stub_id = stub->id;
    state->code = stub->entry;
    {
        std::lock_guard lock(g_mutex);
        closures().emplace(closure, state);
    }
    *code = stub->entry;
    return closure;
}

void ffi_closure_free(void* closure) {
    if (closure == nullptr) return;
    ClosureState* state = nullptr;
    {
        std::lock_guard lock(g_mutex);
        auto it = closures().find(closure);
        if (it == closures().end()) {
            std::fprintf(stderr,
                         "ctabi libffi: ffi_closure_free(%p): not a closure from "
                         "ffi_closure_alloc (ignored)\n",
                         closure);
            return;
        }
        state = it->second;
        closures().erase(it);
    }
    ctabi::jit::release_trampoline_stub(state->stub_id);
    delete state;
    std::free(closure);
}

ffi_status ffi_prep_closure_loc(ffi_closure* closure, ffi_cif* cif,
                                void (*fun)(ffi_cif*, void*, void**, void*), void* user_data,
                                void* codeloc) {
    if (closure == nullptr) return FFI_BAD_ABI;
    ffi_status s =
        prepare(closure, ClosureKind::plain, cif, reinterpret_cast<void*>(fun), user_data, codeloc);
    if (s != FFI_OK) return s;
    // libffi's public fields.
    closure->cif = cif;
    closure->fun = fun;
    closure->user_data = user_data;
    return FFI_OK;
}

ffi_status ffi_prep_closure(ffi_closure* closure, ffi_cif* cif,
                            void (*fun)(ffi_cif*, void*, void**, void*), void* user_data) {
    // The closure's code is the one ffi_closure_alloc gave for it.
    void* code = code_of(closure);
    if (!code) return FFI_BAD_ABI;
    return ffi_prep_closure_loc(closure, cif, fun, user_data, code);
}

ffi_status ffi_prep_raw_closure_loc(ffi_raw_closure* closure, ffi_cif* cif,
                                    void (*fun)(ffi_cif*, void*, ffi_raw*, void*), void* user_data,
                                    void* codeloc) {
    if (closure == nullptr) return FFI_BAD_ABI;
    ffi_status s =
        prepare(closure, ClosureKind::raw, cif, reinterpret_cast<void*>(fun), user_data, codeloc);
    if (s != FFI_OK) return s;
    closure->cif = cif;
    closure->fun = fun;
    closure->user_data = user_data;
    return FFI_OK;
}

ffi_status ffi_prep_raw_closure(ffi_raw_closure* closure, ffi_cif* cif,
                                void (*fun)(ffi_cif*, void*, ffi_raw*, void*), void* user_data) {
    void* code = code_of(closure);
    if (!code) return FFI_BAD_ABI;
    return ffi_prep_raw_closure_loc(closure, cif, fun, user_data, code);
}

#if !FFI_NATIVE_RAW_API
ffi_status ffi_prep_java_raw_closure_loc(ffi_java_raw_closure* closure, ffi_cif* cif,
                                         void (*fun)(ffi_cif*, void*, ffi_java_raw*, void*),
                                         void* user_data, void* codeloc) {
    if (closure == nullptr) return FFI_BAD_ABI;
    ffi_status s = prepare(closure, ClosureKind::java_raw, cif, reinterpret_cast<void*>(fun),
                           user_data, codeloc);
    if (s != FFI_OK) return s;
    closure->cif = cif;
    closure->fun = fun;
    closure->user_data = user_data;
    return FFI_OK;
}

ffi_status ffi_prep_java_raw_closure(ffi_java_raw_closure* closure, ffi_cif* cif,
                                     void (*fun)(ffi_cif*, void*, ffi_java_raw*, void*),
                                     void* user_data) {
    void* code = code_of(closure);
    if (!code) return FFI_BAD_ABI;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return ffi_prep_java_raw_closure_loc(closure, cif, fun, user_data, code);
#pragma GCC diagnostic pop
}
#endif

// Go closures pass their context in the static chain register (r10 / ecx),
// which ctabi's invokers and trampolines do not model.
ffi_status ffi_prep_go_closure(ffi_go_closure*, ffi_cif*,
                               void (*)(ffi_cif*, void*, void**, void*)) {
    return FFI_BAD_ABI;
}

void ffi_call_go(ffi_cif*, void (*)(void), void*, void**, void*) {
    std::fputs("ctabi libffi: ffi_call_go (Go closures, a static chain) is not supported; "
               "aborting\n",
               stderr);
    std::abort();
}

} // extern "C"
