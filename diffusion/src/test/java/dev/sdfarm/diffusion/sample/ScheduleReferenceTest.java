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

    @Test
    void betaIsRefusedUntilImplemented() {
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                () -> Scheduler.BETA.sigmas(10, model));
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
            if (Scheduler.byName(name) == Scheduler.BETA) {
                continue; // not implemented (README); betaIsRefusedUntilImplemented covers it
            }
            tests.add(DynamicTest.dynamicTest(name + " " + steps, () -> SampleVectors.assertClose(tensor,
                    v.tensor(tensor), Scheduler.byName(name).sigmas(steps, model), 0, SIGMA_REL)));
        }
        return tests.stream();
    }
}
