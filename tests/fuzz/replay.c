/* replay.c - runs a fuzz target without libFuzzer: every file given on the command line, and
   every regular file of every directory given, is fed once to LLVMFuzzerTestOneInput. Built
   together with one fuzz_*.c under ASan+UBSan by tests/fuzz/replay.sh; a crash or a broken
   invariant aborts. Prints "N inputs" at the end. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    long n;
    uint8_t *buf;
    if (!f) { fprintf(stderr, "replay: cannot open %s\n", path); return 1; }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (uint8_t *)malloc(n > 0 ? (size_t)n : 1);
    if (!buf || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) { fprintf(stderr, "replay: cannot read %s\n", path); fclose(f); free(buf); return 1; }
    fclose(f);
    fprintf(stderr, "replay: %s\n", path);
    LLVMFuzzerTestOneInput(buf, (size_t)n);   /* exactly n bytes: ASan sees any read past them */
    free(buf);
    return 0;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    int i, bad = 0, inputs = 0;
    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) { fprintf(stderr, "replay: no such file %s\n", argv[i]); bad = 1; continue; }
        if (S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *de;
            char **names = NULL;
            size_t n = 0, cap = 0, k;
            while (d && (de = readdir(d)) != NULL) {
                char path[4096];
                if (de->d_name[0] == '.') continue;
                snprintf(path, sizeof path, "%s/%s", argv[i], de->d_name);
                if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
                if (n == cap) { cap = cap ? cap * 2 : 64; names = (char **)realloc(names, cap * sizeof *names); if (!names) return 2; }
                names[n] = (char *)malloc(strlen(path) + 1);
                if (!names[n]) return 2;
                strcpy(names[n++], path);
            }
            if (d) closedir(d);
            if (n > 1) qsort(names, n, sizeof *names, cmp);
            for (k = 0; k < n; k++) { bad |= run_file(names[k]); inputs++; free(names[k]); }
            free(names);
        } else {
            bad |= run_file(argv[i]);
            inputs++;
        }
    }
    printf("%d inputs\n", inputs);
    return bad;
}
