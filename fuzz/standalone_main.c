/*-------------------------------------------------------------------------
 *
 * standalone_main.c
 *	  Run a fuzz target over saved inputs without libFuzzer.
 *
 *	  fuzz_x_replay FILE|DIR ...
 *
 * Each file (directories are read one level deep) is passed once to
 * LLVMFuzzerTestOneInput().  This is how the regression inputs in
 * fuzz/regressions/ run with any compiler, and how a corpus runs under
 * Valgrind memcheck, which sees uninitialised reads that AddressSanitizer
 * does not.  A broken property aborts, as under libFuzzer.
 *
 *-------------------------------------------------------------------------
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long nrun = 0;

static void
run_file(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *buf;
	long		len;

	if (f == NULL)
	{
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	/* an exact-size buffer, so that an overread leaves it */
	buf = malloc(len > 0 ? (size_t) len : 1);
	if (buf == NULL || (len > 0 && fread(buf, 1, (size_t) len, f) != (size_t) len))
	{
		fprintf(stderr, "%s: cannot read\n", path);
		exit(2);
	}
	fclose(f);
	if (getenv("FUZZ_REPLAY_VERBOSE"))
		fprintf(stderr, "running %s (%ld bytes)\n", path, len);
	LLVMFuzzerTestOneInput(buf, (size_t) len);
	free(buf);
	nrun++;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

int
main(int argc, char **argv)
{
	int			i;

	for (i = 1; i < argc; i++)
	{
		struct stat st;

		if (stat(argv[i], &st) != 0)
		{
			perror(argv[i]);
			return 2;
		}
		if (S_ISDIR(st.st_mode))
		{
			DIR		   *d = opendir(argv[i]);
			struct dirent *de;
			char	  **names = NULL;
			size_t		n = 0,
						cap = 0,
						k;

			while ((de = readdir(d)) != NULL)
			{
				char	   *path;
				struct stat fst;

				if (de->d_name[0] == '.')
					continue;
				path = malloc(strlen(argv[i]) + strlen(de->d_name) + 2);
				sprintf(path, "%s/%s", argv[i], de->d_name);
				if (stat(path, &fst) != 0 || !S_ISREG(fst.st_mode))
				{
					free(path);
					continue;
				}
				if (n == cap)
				{
					cap = cap ? cap * 2 : 64;
					names = realloc(names, cap * sizeof(char *));
				}
				names[n++] = path;
			}
			closedir(d);
			if (n > 0)
				qsort(names, n, sizeof(char *), name_cmp);
			for (k = 0; k < n; k++)
			{
				run_file(names[k]);
				free(names[k]);
			}
			free(names);
		}
		else
			run_file(argv[i]);
	}
	fprintf(stderr, "%s: %ld inputs ran\n", argv[0], nrun);
	return 0;
}
