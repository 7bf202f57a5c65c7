// gen_callees: writes the differential test's C file of callees.
//
//   gen_callees [--seed S] [--count N] [--conv CONV] [--platform linux|windows]
//               [--peer gcc|clang] [--fixed] [--only I] [-o FILE] [--list]
//
// CONV: sysv64, win64, cdecl, stdcall, fastcall, thiscall. Compile the output
// with `cc -O2 -fPIC -shared -w` (the harness compiles with GCC at -O1
// -foptimize-sibling-calls) and, for i386 conventions, the flags
// --flags prints (the peer's: -m32 and the Windows rules' flags). --list prints the
// signatures (one per line, case order) instead of the C file; --only I
// writes case I alone (the same case as in the full run).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "diff_gen.h"

namespace {

int usage() {
    std::fprintf(stderr, "usage: gen_callees [--seed S] [--count N] [--conv CONV] "
                         "[--platform linux|windows] [--peer gcc|clang] [--fixed] [--only I] "
                         "[-o FILE] [--list] [--flags]\n");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    ctabi_diff::GenOptions options;
    const char* output = nullptr;
    bool list = false, flags = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        if (arg == "--seed") {
            const char* v = value();
            if (!v) return usage();
            options.seed = std::strtoull(v, nullptr, 0);
        } else if (arg == "--count") {
            const char* v = value();
            if (!v) return usage();
            options.count = uint32_t(std::strtoul(v, nullptr, 0));
        } else if (arg == "--conv") {
            const char* v = value();
            if (!v) return usage();
            using ctabi_diff::Conv;
            bool known = false;
            for (Conv c : {Conv::sysv64, Conv::win64, Conv::cdecl_, Conv::stdcall, Conv::fastcall,
                           Conv::thiscall})
                if (std::strcmp(v, ctabi_diff::conv_name(c)) == 0) options.conv = c, known = true;
            if (!known) return usage();
        } else if (arg == "--platform") {
            const char* v = value();
            if (!v || (std::strcmp(v, "linux") != 0 && std::strcmp(v, "windows") != 0))
                return usage();
            options.platform = std::strcmp(v, "windows") == 0 ? ctabi_diff::Platform::windows
                                                              : ctabi_diff::Platform::linux_;
        } else if (arg == "--peer") {
            const char* v = value();
            if (!v || (std::strcmp(v, "gcc") != 0 && std::strcmp(v, "clang") != 0)) return usage();
            options.peer =
                std::strcmp(v, "clang") == 0 ? ctabi_diff::Peer::clang : ctabi_diff::Peer::gcc;
        } else if (arg == "--only") {
            const char* v = value();
            if (!v) return usage();
            options.only = std::strtoll(v, nullptr, 0);
        } else if (arg == "--fixed") {
            options.fixed = true;
        } else if (arg == "-o") {
            if (!(output = value())) return usage();
        } else if (arg == "--list") {
            list = true;
        } else if (arg == "--flags") {
            flags = true;
        } else {
            return usage();
        }
    }
    ctabi_diff::Generated gen;
    std::string error;
    if (!ctabi_diff::generate(options, &gen, &error)) {
        std::fprintf(stderr, "gen_callees: %s\n", error.c_str());
        return 1;
    }
    std::string text;
    if (flags) {
        for (const auto& f : ctabi_diff::peer_flags(options.conv, options.platform, options.peer))
            text += f + " ";
        text += "\n";
    } else if (list)
        for (const auto& c : gen.cases)
            text += c.signature + "\n";
    else
        text = gen.single_file();
    FILE* f = output ? std::fopen(output, "w") : stdout;
    if (!f) {
        std::perror(output);
        return 1;
    }
    std::fwrite(text.data(), 1, text.size(), f);
    if (output) std::fclose(f);
    return 0;
}
