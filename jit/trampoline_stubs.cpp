#include "trampoline_stubs.h"

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
    uint64_t reserved;
};
static_assert(sizeof(Slot) == 32 && offsetof(Slot, target) == 0);

constexpr uint32_t kStubBytes = 16;
constexpr uint32_t kStubsPerChunk = 1024;
constexpr size_t kCodeBytes = size_t(kStubBytes) * kStubsPerChunk; // whole pages
constexpr size_t kChunkBytes = kCodeBytes + sizeof(Slot) * kStubsPerChunk;

// The stub of slot `i`:
//   lea r10, [rip + slot]      4C 8D 15 <disp32>   (REX.WR, LEA, ModRM 00 010 101)
//   jmp qword [rip + slot+16]  FF 25 <disp32>      (JMP r/m64, ModRM 00 100 101)
//   int3 x3                    CC CC CC            (padding)
void write_stub(uint8_t* out, uint64_t stub_rx, uint64_t slot_rx) {
    auto disp = [](uint64_t to, uint64_t next_ip) { return int32_t(int64_t(to - next_ip)); };
    const int32_t lea_disp = disp(slot_rx, stub_rx + 7);
    const int32_t jmp_disp = disp(slot_rx + offsetof(Slot, body), stub_rx + 13);
    const uint8_t head[3] = {0x4C, 0x8D, 0x15};
    std::memcpy(out, head, 3);
    std::memcpy(out + 3, &lea_disp, 4);
    out[7] = 0xFF;
    out[8] = 0x25;
    std::memcpy(out + 9, &jmp_disp, 4);
    std::memset(out + 13, 0xCC, 3);
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
        static StubPool* pool = new StubPool;
        return *pool;
    }

    Result<TrampolineStub> acquire(TrampolineHandler handler, void* data, const void* body) {
        std::lock_guard lock(mutex_);
        if (free_.empty())
            if (auto grown = grow(); !grown) return grown.error();
        const uint32_t id = free_.back();
        free_.pop_back();
        Slot& slot = slot_rw(id);
        slot.target = TrampolineTarget{handler, data};
        slot.body = body;
        ++live_;
        return TrampolineStub{chunks_[id / kStubsPerChunk].rx + kStubBytes * (id % kStubsPerChunk),
                              id};
    }

    void release(uint32_t id) {
        std::lock_guard lock(mutex_);
        Slot& slot = slot_rw(id);
        slot.target = TrampolineTarget{nullptr, nullptr};
        slot.body = reinterpret_cast<const void*>(&freed_callback_called);
        free_.push_back(id);
        --live_;
    }

    TrampolineStubStats stats() {
        std::lock_guard lock(mutex_);
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
            write_stub(c.rw + kStubBytes * i, stub, slot);
            auto* s = reinterpret_cast<Slot*>(c.rw + kCodeBytes) + i;
            *s = Slot{{nullptr, nullptr}, reinterpret_cast<const void*>(&freed_callback_called), 0};
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

    std::mutex mutex_;
    std::vector<Chunk> chunks_;
    std::vector<uint32_t> free_;
    size_t live_ = 0;
};

} // namespace

Result<TrampolineStub> acquire_trampoline_stub(TrampolineHandler handler, void* data,
                                               const void* body) {
    return StubPool::instance().acquire(handler, data, body);
}

void release_trampoline_stub(uint32_t id) noexcept {
    StubPool::instance().release(id);
}

TrampolineStubStats trampoline_stub_stats() {
    return StubPool::instance().stats();
}

} // namespace ctabi::jit
