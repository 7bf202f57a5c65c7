/* fork() while other threads prepare cifs and closures, against ctabi's
 * libffi.so.8. The library's signature table and closure list each have a
 * lock held while ctabi compiles or retargets code; a fork() while another
 * thread holds one must not leave the child's copy locked (the child has
 * only the forking thread, so nothing would ever release it).
 *
 * Four threads keep preparing cifs of fresh signatures and making, calling
 * and freeing closures; the main thread forks 40 times. Each child, under
 * an alarm, prepares a cif of a signature of its own, calls through it,
 * makes and calls a closure, and exits; a hung child (SIGALRM) is a lock
 * held across fork(). Then the parent's closure made before the forks, and
 * its calls, must still work. */
#include <ffi.h>

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kThreads = 4, kForks = 40, kStructTypes = 64 };

static ffi_type g_structs[kStructTypes];
static ffi_type* g_elements[kStructTypes][9];
static volatile int g_stop;

static int add2(int a, int b) {
    return a + b;
}

static void add_handler(ffi_cif* cif, void* ret, void** args, void* user) {
    (void)cif;
    *(ffi_arg*)ret = (ffi_arg)(*(int*)args[0] + *(int*)args[1] + (int)(intptr_t)user);
}

/* A closure of int(int, int) adding `bias`, called once; 0 if it worked. */
static int closure_round_trip(int bias) {
    ffi_cif cif;
    ffi_type* args[2] = {&ffi_type_sint, &ffi_type_sint};
    void* code = NULL;
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_sint, args) != FFI_OK) return 1;
    ffi_closure* closure = ffi_closure_alloc(sizeof(ffi_closure), &code);
    if (!closure) return 2;
    int rc = 0;
    if (ffi_prep_closure_loc(closure, &cif, add_handler, (void*)(intptr_t)bias, code) != FFI_OK)
        rc = 3;
    else if (((int (*)(int, int))code)(40, 2) != 42 + bias)
        rc = 4;
    ffi_closure_free(closure);
    return rc;
}

/* Prepares a cif of a signature drawn from `seed`: up to 9 arguments of
 * scalars and the struct types, so most are new to the table. */
static int prepare_fresh(unsigned seed) {
    static ffi_type* const scalars[] = {&ffi_type_sint8,  &ffi_type_sint32, &ffi_type_sint64,
                                        &ffi_type_double, &ffi_type_float,  &ffi_type_pointer};
    ffi_type* args[9];
    unsigned n = seed % 10;
    if (n > 9) n = 9;
    for (unsigned i = 0; i < n; ++i) {
        seed = seed * 1103515245u + 12345u;
        unsigned pick = (seed >> 8) % (6 + kStructTypes);
        args[i] = pick < 6 ? scalars[pick] : &g_structs[pick - 6];
    }
    ffi_cif cif;
    return ffi_prep_cif(&cif, FFI_DEFAULT_ABI, n, &ffi_type_double, args) == FFI_OK ? 0 : 1;
}

static void* worker(void* arg) {
    unsigned seed = (unsigned)(uintptr_t)arg * 7919u + 1;
    for (unsigned i = 0; !g_stop; ++i) {
        seed = seed * 1664525u + 1013904223u;
        if (prepare_fresh(seed) != 0) {
            fprintf(stderr, "worker: ffi_prep_cif failed\n");
            exit(3);
        }
        if (i % 8 == 0 && closure_round_trip((int)(i % 5)) != 0) {
            fprintf(stderr, "worker: closure round trip failed\n");
            exit(3);
        }
    }
    return NULL;
}

/* The child's work: a call through a cif of its own and a closure. */
static int child_work(int round) {
    ffi_type* elements[12];
    ffi_type own;
    unsigned count = 10 + (unsigned)round % 2; /* ten or eleven doubles: never the workers' */
    for (unsigned i = 0; i < count; ++i)
        elements[i] = &ffi_type_double;
    elements[count] = NULL;
    memset(&own, 0, sizeof own);
    own.type = FFI_TYPE_STRUCT;
    own.elements = elements;
    ffi_cif cif;
    ffi_type* args[3] = {&own, &ffi_type_sint, &ffi_type_sint};
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &ffi_type_sint, args) != FFI_OK) return 10;

    ffi_cif call_cif;
    ffi_type* call_args[2] = {&ffi_type_sint, &ffi_type_sint};
    if (ffi_prep_cif(&call_cif, FFI_DEFAULT_ABI, 2, &ffi_type_sint, call_args) != FFI_OK) return 11;
    int a = round, b = 1000;
    void* values[2] = {&a, &b};
    ffi_arg result = 0;
    ffi_call(&call_cif, FFI_FN(add2), &result, values);
    if ((int)result != round + 1000) return 12;
    return closure_round_trip(round);
}

int main(void) {
    for (unsigned k = 0; k < kStructTypes; ++k) {
        static ffi_type* const kinds[] = {&ffi_type_sint8, &ffi_type_sint32, &ffi_type_double,
                                          &ffi_type_float};
        unsigned n = 1 + k % 8;
        for (unsigned i = 0; i < n; ++i)
            g_elements[k][i] = kinds[(k / 8 + i) % 4];
        g_elements[k][n] = NULL;
        g_structs[k].type = FFI_TYPE_STRUCT;
        g_structs[k].elements = g_elements[k];
    }

    /* A closure made before the forks, used after them. */
    ffi_cif cif;
    ffi_type* args[2] = {&ffi_type_sint, &ffi_type_sint};
    void* code = NULL;
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_sint, args) != FFI_OK) return 1;
    ffi_closure* kept = ffi_closure_alloc(sizeof(ffi_closure), &code);
    if (!kept || ffi_prep_closure_loc(kept, &cif, add_handler, (void*)7, code) != FFI_OK) {
        printf("FAILED: the kept closure could not be made\n");
        return 1;
    }

    pthread_t threads[kThreads];
    for (uintptr_t t = 0; t < kThreads; ++t)
        if (pthread_create(&threads[t], NULL, worker, (void*)t) != 0) return 1;

    unsigned failed = 0;
    for (int round = 0; round < kForks; ++round) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            alarm(20);
            _exit(child_work(round));
        }
        int status = 0;
        if (waitpid(pid, &status, 0) != pid) {
            perror("waitpid");
            return 1;
        }
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
            printf("FAILED: fork %d: the child hung (a lock held across fork())\n", round);
            ++failed;
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("FAILED: fork %d: the child %s %d\n", round,
                   WIFEXITED(status) ? "exited with" : "died of signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            ++failed;
        }
        if ((((int (*)(int, int))code)(1, 2)) != 10) {
            printf("FAILED: fork %d: the parent's closure changed\n", round);
            ++failed;
        }
    }
    g_stop = 1;
    for (int t = 0; t < kThreads; ++t)
        pthread_join(threads[t], NULL);
    if (closure_round_trip(3) != 0) {
        printf("FAILED: a closure made after the forks\n");
        ++failed;
    }
    ffi_closure_free(kept);
    printf("%s: %d forks while %d threads prepared cifs and closures\n", failed ? "FAILED" : "ok",
           kForks, kThreads);
    return failed ? 1 : 0;
}
