/* char* and wchar_t*: lengths, static strings, NULL, buffers. */
#include <string.h>
#include <wchar.h>
#include "common.h"

long my_strlen(const char* s) { return s ? (long)strlen(s) : -1; }
long my_wcslen(const wchar_t* s) { return s ? (long)wcslen(s) : -1; }

const char* static_str(int which)
{
    switch (which) {
    case 0: return "hello";
    case 1: return "world, with \xc3\xa9 bytes";
    case 2: return "";
    default: return NULL;
    }
}

const wchar_t* static_wstr(int which)
{
    switch (which) {
    case 0: return L"hello";
    case 1: return L"h\u00e9llo \u2713 \U0001F600";
    case 2: return L"";
    default: return NULL;
    }
}

char* str_echo(char* s) { return s; }
wchar_t* wstr_echo(wchar_t* s) { return s; }

/* Sum of the code points: checks every character arrived. */
long wstr_codepoint_sum(const wchar_t* s)
{
    if (!s) return -1;
    long t = 0;
    for (; *s; ++s) t += (long)*s;
    return t;
}

/* Writes "filled:<n>" into buf (at most n bytes), returns the length. */
int str_fill(char* buf, size_t n)
{
    const char text[] = "filled";
    size_t k = sizeof text - 1 < n - 1 ? sizeof text - 1 : n - 1;
    memcpy(buf, text, k);
    buf[k] = 0;
    return (int)k;
}

/* Uppercases in place. */
void str_upper(char* s)
{
    for (; *s; ++s)
        if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

char first_char(const char* s) { return s ? s[0] : 0; }
wchar_t first_wchar(const wchar_t* s) { return s ? s[0] : 0; }

int str_equal(const char* a, const char* b)
{
    if (!a || !b) return -1;
    return strcmp(a, b) == 0;
}
