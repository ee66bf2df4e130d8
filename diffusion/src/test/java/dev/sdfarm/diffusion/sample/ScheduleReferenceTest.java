package dev.sdfarm.diffusion.sample;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Model sigmas and A1111's schedulers against k-diffusion and A1111 (fixtures/sample/README.md): 1e-6 relative. */
class ScheduleReferenceTest {
    static final double SIGMA_REL = 1e-6;

    private final SampleVectors v = SampleVectors.get();
    private final DiscreteSchedule model = DiscreteSchedule.sd1();

    @Test
    void sd1AlphasCumprodAndModelSigmas() {
        SampleVectors.assertClose("alphas_cumprod", v.tensor("alphas_cumprod"), model.alphasCumprod(), 0, SIGMA_REL);
        SampleVectors.assertClose("model sigmas", v.tensor("model_sigmas"), model.sigmas(), 0, SIGMA_REL);
        DiscreteSchedule fromFixture = DiscreteSchedule.fromAlphasCumprod(v.tensor("alphas_cumprod"));
        SampleVectors.assertClose("model sigmas (fixture alphas)", v.tensor("model_sigmas"), fromFixture.sigmas(), 0,
                SIGMA_REL);
    }

    @Test
    void sigmaToTAndBack() {
        float[] sigmas = v.tensor("probe/sigma");
        float[] t = new float[sigmas.length];
        for (int i = 0; i < sigmas.length; i++) {
            t[i] = model.sigmaToT(sigmas[i]);
        }
        SampleVectors.assertClose("sigma_to_t", v.tensor("probe/sigma_to_t"), t, 1e-4, 1e-6);
        float[] ts = v.tensor("probe/t");
        float[] s = new float[ts.length];
        for (int i = 0; i < ts.length; i++) {
            s[i] = model.tToSigma(ts[i]);
        }
        SampleVectors.assertClose("t_to_sigma", v.tensor("probe/t_to_sigma"), s, 0, SIGMA_REL);
    }

    /**
     * {@code scipy.stats.beta.ppf(p, a, b)} (scipy 1.10.1, boost's ibeta_inv), within 1e-12 relative. Left out:
     * quantiles where the density is tiny (the answer moves by more than 1e-12 per ulp of p), and scipy's
     * {@code ppf(1e-12, 0.5, 3)}, where boost gives up ("root finding exceeded iterations"); that one is checked
     * against the leading term {@code (p a B(a, b))^(1/a)} instead, B(1/2, 3) = 16/15.
     */
    @Test
    void betaQuantilesAsScipy() {
        double[][] cases = {
            {0.6, 0.6, 1e-12, 1.8558824624914097e-20}, {0.6, 0.6, 0.001, 1.855873851745199e-05},
            {0.6, 0.6, 0.1, 0.03958440558878085}, {0.6, 0.6, 0.25, 0.17568037865269498},
            {0.6, 0.6, 0.5, 0.5000000000000001}, {0.6, 0.6, 0.7, 0.7659829961247643},
            {0.6, 0.6, 0.9, 0.9604155944112192}, {0.6, 0.6, 0.999, 0.9999814412614826},
            {0.6, 0.6, 0.999999999, 0.9999999999999981},
            {2.0, 5.0, 1e-12, 2.5819897863610075e-07}, {2.0, 5.0, 0.001, 0.008255492787746678},
            {2.0, 5.0, 0.25, 0.16116291679032652}, {2.0, 5.0, 0.5, 0.26444998329566005},
            {2.0, 5.0, 0.9, 0.5103163065514917},
            {0.5, 3.0, 0.1, 0.0028552950848807716},
            {0.5, 3.0, 0.7, 0.17653813800341492}, {0.5, 3.0, 0.999, 0.855447776691985},
        };
        for (double[] c : cases) {
            double x = BetaDistribution.ppf(c[2], c[0], c[1]);
            org.junit.jupiter.api.Assertions.assertEquals(c[3], x, Math.abs(c[3]) * 1e-12,
                    "ppf(" + c[2] + ", " + c[0] + ", " + c[1] + ")");
        }
        double leading = Math.pow(1e-12 * 0.5 * 16 / 15, 2);
        org.junit.jupiter.api.Assertions.assertEquals(leading, BetaDistribution.ppf(1e-12, 0.5, 3.0), leading * 1e-10);
        org.junit.jupiter.api.Assertions.assertEquals(0.0, BetaDistribution.ppf(0.0, 0.6, 0.6));
        org.junit.jupiter.api.Assertions.assertEquals(1.0, BetaDistribution.ppf(1.0, 0.6, 0.6));
    }

    @TestFactory
    Stream<DynamicTest> schedules() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : v.cases("schedules")) {
            int steps = Math.toIntExact((Long) c.get("steps"));
            String tensor = (String) c.get("tensor");
            if (!c.containsKey("scheduler")) {
                continue; // a sampler's default schedule: SamplerReferenceTest
            }
            String name = (String) c.get("scheduler");
            tests.add(DynamicTest.dynamicTest(name + " " + steps, () -> SampleVectors.assertClose(tensor,
                    v.tensor(tensor), Scheduler.byName(name).sigmas(steps, model), 0, SIGMA_REL)));
        }
        return tests.stream();
    }
}
