/* The reference-compute benchmark's call as a plain C loop: the same loss
 *   -sum(w lp) + 0.1 sum(lp^2) + 0.05 mean(exp(r) - 1 - r) + 0.5 var(lp),  r = ref - lp,
 * and the same float32 weights -g with the same finiteness check, in two passes over the
 * logprobs. regspec-bench compiles it with gcc -O2 into a temporary folder at run time and
 * times it in process, on the same arrays as the Swift call: the C figure the Swift
 * reference is held to.
 *
 *   lp, w, ref  the logprobs, the NLL weights and the reference logprobs, n each
 *   partial     scratch of n doubles
 *   weights     out: n floats, -g rounded to float32
 *   bad         out: the first element whose gradient or weight is not finite, or -1
 *   returns     the loss
 */
#include <math.h>

double regspec_fused_call(const double *lp, const double *w, const double *ref, long n,
                          double *partial, float *weights, long *bad) {
    double nll = 0, squares = 0, kl = 0, sum = 0;
    const double scale = 1.0 / (double)n;
    for (long i = 0; i < n; i++) {
        const double x = lp[i], r = ref[i] - x, e = exp(r);
        nll -= w[i] * x;
        squares += x * x;
        kl += e - 1 - r;
        sum += x;
        /* every term of g that does not need the mean */
        partial[i] = -w[i] + 0.2 * x - 0.05 * scale * (e - 1) + scale * x;
    }
    const double mean = sum * scale;
    const double variance = squares * scale - mean * mean;
    *bad = -1;
    for (long i = 0; i < n; i++) {
        const double g = partial[i] - scale * mean;
        const float sent = (float)-g;
        if (!isfinite(g) || !isfinite(sent)) {
            if (*bad < 0) *bad = i;
        }
        weights[i] = sent;
    }
    return nll + 0.1 * squares + 0.05 * kl * scale + 0.5 * variance;
}
