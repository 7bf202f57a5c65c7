#include "exec_memory.h"

#include <new>

#include <asmjit/core/jitallocator.h>

namespace ctabi::jit {
namespace {

asmjit::JitAllocator& allocator() {
    // Never destroyed: generated code may still be called during static
    // destruction (atexit handlers of other libraries). JitAllocator is
    // internally locked, so allocation and release are thread-safe.
    static asmjit::JitAllocator* instance = [] {
        install_fork_handlers();
        asmjit::JitAllocator::CreateParams params{};
        params.options = asmjit::JitAllocatorOptions::kUseDualMapping;
        return new asmjit::JitAllocator(&params);
    }();
    return *instance;
}

struct Release {
    void operator()(const void* rx) const {
        std::lock_guard lock(code_memory_mutex());
        allocator().release(const_cast<void*>(rx));
    }
};

std::string asmjit_error(const char* what, asmjit::Error err) {
    return std::string(what) + ": " + asmjit::DebugUtils::errorAsString(err);
}

thread_local const asmjit::Environment* t_listing = nullptr;

const asmjit::Environment& environment_of(abi::Arch arch) {
    static const asmjit::Environment x64(asmjit::Arch::kX64);
    static const asmjit::Environment x86(asmjit::Arch::kX86);
    return arch == abi::Arch::x86_64 ? x64 : x86;
}

// A listing's code: ordinary heap memory, never executable.
Result<GeneratedCode> install_for_listing(asmjit::CodeHolder& code) {
    if (asmjit::Error err = code.relocateToBase(kListingBase))
        return make_error(asmjit_error("relocating code", err));
    const size_t size = code.codeSize();
    std::shared_ptr<uint8_t[]> bytes(new uint8_t[size ? size : 1]);
    code.copyFlattenedData(bytes.get(), size, asmjit::CopySectionFlags::kPadSectionBuffer);
    GeneratedCode out;
    out.entry = bytes.get();
    out.size = size;
    out.owner = std::shared_ptr<const void>(bytes, bytes.get());
    return out;
}

} // namespace

ListingScope::ListingScope(abi::Arch arch) : previous_(t_listing) {
    t_listing = &environment_of(arch);
}
ListingScope::~ListingScope() {
    t_listing = previous_;
}
bool listing_active() {
    return t_listing != nullptr;
}

namespace {
std::recursive_mutex*& code_memory_mutex_slot() {
    static std::recursive_mutex* m = new std::recursive_mutex; // used until the very end
    return m;
}
} // namespace

std::recursive_mutex& code_memory_mutex() {
    return *code_memory_mutex_slot();
}

void reset_code_memory_mutex_in_child() {
    // The child's thread is not the owner the parent's lock recorded (a
    // recursive mutex checks), so the child gets a fresh, unlocked one.
    std::recursive_mutex*& m = code_memory_mutex_slot();
    m = new (m) std::recursive_mutex;
}

const asmjit::Environment& host_environment() {
    static const asmjit::Environment env = asmjit::Environment::host();
    return env;
}

asmjit::CodeHolder& fresh_code_holder() {
    thread_local asmjit::CodeHolder code;
    code.reset(asmjit::ResetPolicy::kSoft);
    code.init(t_listing ? *t_listing : host_environment());
    return code;
}

Result<GeneratedCode> install(asmjit::CodeHolder& code) {
    if (asmjit::Error err = code.flatten()) return make_error(asmjit_error("flattening code", err));
    if (asmjit::Error err = code.resolveUnresolvedLinks())
        return make_error(asmjit_error("resolving code links", err));
    if (t_listing) return install_for_listing(code);
    std::lock_guard lock(code_memory_mutex());
    size_t size = code.codeSize();
    void* rx = nullptr;
    void* rw = nullptr;
    if (asmjit::Error err = allocator().alloc(&rx, &rw, size))
        return make_error(asmjit_error("allocating executable memory", err));
    GeneratedCode out;
    out.owner = std::shared_ptr<const void>(rx, Release{});
    out.entry = rx;
    out.size = size;
    if (asmjit::Error err = code.relocateToBase(reinterpret_cast<uint64_t>(rx)))
        return make_error(asmjit_error("relocating code", err));
    code.copyFlattenedData(rw, size, asmjit::CopySectionFlags::kPadSectionBuffer);
    // x86 keeps instruction fetch coherent with stores; other hosts flush.
    asmjit::VirtMem::flushInstructionCache(rx, size);
    return out;
}

} // namespace ctabi::jit
