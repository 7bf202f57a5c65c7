#include "trampoline_stubs.h"

#include "exec_memory.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include <asmjit/core.h>

namespace ctabi::jit {
namespace {

// What a stub's slot holds. The stub points r10 at it (so the body reads
// handler and data at the offsets of TrampolineTarget) and jumps to `body`.
struct Slot {
    TrampolineTarget target;
    const void* body;
    uint8_t reserved[32 - sizeof(TrampolineTarget) - sizeof(void*)];
};
static_assert(sizeof(Slot) == 32 && offsetof(Slot, target) == 0);

constexpr uint32_t kStubBytes = 16;
constexpr uint32_t kStubsPerChunk = 1024;
constexpr size_t kCodeBytes = size_t(kStubBytes) * kStubsPerChunk; // whole pages
constexpr size_t kChunkBytes = kCodeBytes + sizeof(Slot) * kStubsPerChunk;

// x86-64 stub forms (16 bytes each; slot = the stub's slot, read RIP-relative):
//   body form:   lea r10, [rip + slot]          4C 8D 15 <disp32>
//                jmp qword [rip + slot.body]    FF 25 <disp32>
//   direct form: mov reg, [rip + slot.data]     REX.W(+R) 8B <modrm 00 reg 101> <disp32>
//                jmp qword [rip + slot.handler] FF 25 <disp32>
// then int3 padding. Both instructions' displacements count from the end of
// the instruction.
void write_stub_x64(uint8_t* out, uint64_t stub_rx, uint64_t slot_rx, int data_register) {
    auto disp = [](uint64_t to, uint64_t next_ip) { return int32_t(int64_t(to - next_ip)); };
    uint8_t head[3];
    uint64_t first_target, jump_target;
    if (data_register < 0) {
        head[0] = 0x4C, head[1] = 0x8D, head[2] = 0x15; // lea r10, [rip+disp32]
        first_target = slot_rx;
        jump_target = slot_rx + offsetof(Slot, body);
    } else {
        const auto r = uint8_t(data_register);
        head[0] = uint8_t(0x48 | (r >> 3) << 2); // REX.W, REX.R for r8-r15
        head[1] = 0x8B;                          // mov r64, r/m64
        head[2] = uint8_t((r & 7) << 3 | 0x05);  // [rip + disp32]
        first_target = slot_rx + offsetof(Slot, target) + offsetof(TrampolineTarget, data);
        jump_target = slot_rx + offsetof(Slot, target) + offsetof(TrampolineTarget, handler);
    }
    const int32_t first_disp = disp(first_target, stub_rx + 7);
    const int32_t jump_disp = disp(jump_target, stub_rx + 13);
    uint8_t bytes[kStubBytes];
    std::memcpy(bytes, head, 3);
    std::memcpy(bytes + 3, &first_disp, 4);
    bytes[7] = 0xFF, bytes[8] = 0x25; // jmp r/m64, [rip + disp32]
    std::memcpy(bytes + 9, &jump_disp, 4);
    std::memset(bytes + 13, 0xCC, 3);
    std::memcpy(out, bytes, kStubBytes);
}
// i386 stub forms (16 bytes each; addresses absolute, the slot's through the
// read-execute view):
//   body form:   mov eax, slot                  B8 <imm32>
//                jmp dword [slot.body]          FF 25 <abs32>
//   direct form: mov reg, [slot.data]           8B <modrm 00 reg 101> <abs32>
//                jmp dword [slot.handler]       FF 25 <abs32>
// then int3 padding. eax carries no argument in any i386 convention.
void write_stub_x86(uint8_t* out, uint64_t slot_rx, int data_register) {
    uint8_t bytes[kStubBytes];
    std::memset(bytes, 0xCC, kStubBytes);
    size_t n = 0;
    uint32_t first, jump;
    if (data_register < 0) {
        bytes[n++] = 0xB8; // mov eax, imm32
        first = uint32_t(slot_rx);
        jump = uint32_t(slot_rx + offsetof(Slot, body));
    } else {
        bytes[n++] = 0x8B; // mov r32, r/m32
        bytes[n++] = uint8_t((data_register & 7) << 3 | 0x05);
        first = uint32_t(slot_rx + offsetof(Slot, target) + offsetof(TrampolineTarget, data));
        jump = uint32_t(slot_rx + offsetof(Slot, target) + offsetof(TrampolineTarget, handler));
    }
    std::memcpy(bytes + n, &first, 4);
    n += 4;
    bytes[n++] = 0xFF, bytes[n++] = 0x25; // jmp r/m32, [abs32]
    std::memcpy(bytes + n, &jump, 4);
    std::memcpy(out, bytes, kStubBytes);
}

// The stub for the host's instruction set (the code runs in this process).
void write_stub(uint8_t* out, uint64_t stub_rx, uint64_t slot_rx, int data_register) {
    if (abi::conv_arch(abi::host_conv()) == abi::Arch::x86_64)
        write_stub_x64(out, stub_rx, slot_rx, data_register);
    else
        write_stub_x86(out, slot_rx, data_register);
}

// Where a freed stub leads until it is reused: a loud stop instead of a
// call into freed state.
[[noreturn]] void freed_callback_called() {
    std::fputs("ctabi: a callback was called after it was freed (Callback destroyed or "
               "reset); aborting\n",
               stderr);
    std::abort();
}

struct Chunk {
    uint8_t* rx;
    uint8_t* rw;
};

class StubPool {
public:
    static StubPool& instance() {
        // Never destroyed: stubs may be called during static destruction.
        static StubPool* pool = [] {
            install_fork_handlers();
            return new StubPool;
        }();
        return *pool;
    }

    Result<TrampolineStub> acquire(TrampolineHandler handler, void* data, const void* body,
                                   int data_register) {
        std::lock_guard lock(code_memory_mutex());
        if (free_.empty())
            if (auto grown = grow(); !grown) return grown.error();
        const uint32_t id = free_.back();
        free_.pop_back();
        Slot& slot = slot_rw(id);
        slot.target = TrampolineTarget{handler, data};
        slot.body = body;
        const Chunk& c = chunks_[id / kStubsPerChunk];
        const uint32_t i = id % kStubsPerChunk;
        uint8_t* stub_rx = c.rx + kStubBytes * i;
        write_stub(c.rw + kStubBytes * i, reinterpret_cast<uint64_t>(stub_rx),
                   reinterpret_cast<uint64_t>(c.rx + kCodeBytes + sizeof(Slot) * i), data_register);
        // x86 keeps instruction fetch coherent with stores; other hosts flush.
        asmjit::VirtMem::flushInstructionCache(stub_rx, kStubBytes);
        ++live_;
        return TrampolineStub{stub_rx, id};
    }

    void retarget(uint32_t id, TrampolineHandler handler, void* data, const void* body) {
        std::lock_guard lock(code_memory_mutex());
        Slot& slot = slot_rw(id);
        slot.target = TrampolineTarget{handler, data};
        slot.body = body;
    }

    void release(uint32_t id) {
        std::lock_guard lock(code_memory_mutex());
        Slot& slot = slot_rw(id);
        // Either stub form now leads to the loud stop.
        slot.target =
            TrampolineTarget{reinterpret_cast<TrampolineHandler>(&freed_callback_called), nullptr};
        slot.body = reinterpret_cast<const void*>(&freed_callback_called);
        free_.push_back(id);
        --live_;
    }

    TrampolineStubStats stats() {
        std::lock_guard lock(code_memory_mutex());
        return {live_, chunks_.size() * kStubsPerChunk};
    }

private:
    Slot& slot_rw(uint32_t id) {
        const Chunk& c = chunks_[id / kStubsPerChunk];
        return reinterpret_cast<Slot*>(c.rw + kCodeBytes)[id % kStubsPerChunk];
    }

    Result<Ok> grow() {
        asmjit::VirtMem::DualMapping dm{};
        if (asmjit::Error err = asmjit::VirtMem::allocDualMapping(
                &dm, kChunkBytes, asmjit::VirtMem::MemoryFlags::kAccessRWX))
            return make_error(std::string("allocating callback stubs: ") +
                              asmjit::DebugUtils::errorAsString(err));
        Chunk c{static_cast<uint8_t*>(dm.rx), static_cast<uint8_t*>(dm.rw)};
        const auto base = uint32_t(chunks_.size()) * kStubsPerChunk;
        for (uint32_t i = 0; i < kStubsPerChunk; ++i) {
            const uint64_t stub = reinterpret_cast<uint64_t>(c.rx) + kStubBytes * i;
            const uint64_t slot = reinterpret_cast<uint64_t>(c.rx) + kCodeBytes + sizeof(Slot) * i;
            write_stub(c.rw + kStubBytes * i, stub, slot, -1);
            auto* s = reinterpret_cast<Slot*>(c.rw + kCodeBytes) + i;
            *s = Slot{{reinterpret_cast<TrampolineHandler>(&freed_callback_called), nullptr},
                      reinterpret_cast<const void*>(&freed_callback_called),
                      {}};
        }
        asmjit::VirtMem::flushInstructionCache(c.rx, kCodeBytes);
        chunks_.push_back(c);
        // Room for every id, so that release() never allocates.
        free_.reserve(chunks_.size() * kStubsPerChunk);
        // Lowest ids last, so they are handed out first.
        for (uint32_t i = kStubsPerChunk; i-- > 0;)
            free_.push_back(base + i);
        return Ok{};
    }

    std::vector<Chunk> chunks_;
    std::vector<uint32_t> free_;
    size_t live_ = 0;
};

} // namespace

Result<TrampolineStub> acquire_trampoline_stub(TrampolineHandler handler, void* data,
                                               const void* body, int data_register) {
    return StubPool::instance().acquire(handler, data, body, data_register);
}

void retarget_trampoline_stub(uint32_t id, TrampolineHandler handler, void* data,
                              const void* body) noexcept {
    StubPool::instance().retarget(id, handler, data, body);
}

void release_trampoline_stub(uint32_t id) noexcept {
    StubPool::instance().release(id);
}

TrampolineStubStats trampoline_stub_stats() {
    return StubPool::instance().stats();
}

} // namespace ctabi::jit
