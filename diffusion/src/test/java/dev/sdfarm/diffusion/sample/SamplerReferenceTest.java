package dev.sdfarm.diffusion.sample;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Samplers against k-diffusion and A1111 run on a toy denoiser (fixtures/sample/README.md). */
class SamplerReferenceTest {
    static final double SIGMA_REL = ScheduleReferenceTest.SIGMA_REL;
    static final double LATENT_ABS = 1e-5;

    private final SampleVectors v = SampleVectors.get();
    private final DiscreteSchedule model = DiscreteSchedule.sd1();

    /** KDiffusionSampler.get_sigmas for "Automatic": the sampler's default scheduler and discard option. */
    @TestFactory
    Stream<DynamicTest> samplerDefaultSchedules() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : v.cases("schedules")) {
            if (!c.containsKey("sampler")) {
                continue;
            }
            int steps = Math.toIntExact((Long) c.get("steps"));
            String tensor = (String) c.get("tensor");
            String sampler = (String) c.get("sampler");
            boolean always = (Boolean) c.get("always_discard");
            tests.add(DynamicTest.dynamicTest(sampler + " default schedule " + steps + (always ? " always-discard" : ""),
                    () -> SampleVectors.assertClose(tensor, v.tensor(tensor),
                            Sampler.byName(sampler).sigmas(Scheduler.AUTOMATIC, steps, model, always), 0, SIGMA_REL)));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> samplers() {
        float[] bias = v.tensor("bias");
        float[] initial = v.tensor("noise/0");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : v.cases("samples")) {
            String label = (String) c.get("sampler");
            String schedulerName = (String) c.get("scheduler");
            int steps = Math.toIntExact((Long) c.get("steps"));
            boolean always = (Boolean) c.get("always_discard");
            @SuppressWarnings("unchecked")
            Map<String, Object> params = (Map<String, Object>) c.get("params");
            String tensor = (String) c.get("tensor");
            int noiseUsed = Math.toIntExact((Long) c.get("noise_used"));
            SamplerParams p = SamplerParams.DEFAULTS;
            if (params.containsKey("eta")) {
                p = p.withEta(num(params.get("eta")));
            }
            if (params.containsKey("s_noise")) {
                p = p.withSNoise(num(params.get("s_noise")));
            }
            if (params.containsKey("s_churn")) {
                p = p.withChurn(num(params.get("s_churn")), params.containsKey("s_tmin") ? num(params.get("s_tmin")) : 0,
                        params.containsKey("s_tmax") ? num(params.get("s_tmax")) : 0);
            }
            SamplerParams fp = p;
            tests.add(DynamicTest.dynamicTest(tensor + " " + params, () -> {
                Sampler sampler = Sampler.byName(label);
                SampleVectors.CountingNoise noise = new SampleVectors.CountingNoise(SamplerNoise.sequence(v.samplerNoise()));
                float[] result;
                if (sampler.usesTimesteps()) {
                    int[] ts = sampler.timesteps(steps, model, always);
                    int[] calls = {0};
                    TimestepDenoiser toy = SampleVectors.toyEps(bias);
                    TimestepDenoiser counted = (x, t) -> {
                        calls[0]++;
                        return toy.predictEps(x, t);
                    };
                    if (sampler == Sampler.UNIPC) {
                        UniPc.Options d = UniPc.Options.A1111_DEFAULTS;
                        UniPc.Options o = new UniPc.Options(
                                params.containsKey("uni_pc_variant")
                                        ? UniPc.Variant.byName((String) params.get("uni_pc_variant")) : d.variant(),
                                params.containsKey("uni_pc_order")
                                        ? Math.toIntExact((Long) params.get("uni_pc_order")) : d.order(),
                                params.containsKey("uni_pc_lower_order_final")
                                        ? (Boolean) params.get("uni_pc_lower_order_final") : d.lowerOrderFinal());
                        result = UniPc.sample(counted, initial, ts, model, o);
                    } else {
                        result = sampler.sampleTimesteps(counted, initial, ts, model, fp, noise);
                    }
                    assertEquals(sampler.timestepEvaluations(ts), calls[0], "model evaluations");
                } else {
                    float[] sigmas = sampler.sigmas(Scheduler.byName(schedulerName), steps, model, always);
                    SampleVectors.assertClose(tensor + " sigmas", v.tensor(tensor + "/sigmas"), sigmas, 0, SIGMA_REL);
                    result = sampler.txt2img(SampleVectors.toyDenoiser(bias), initial, sigmas, fp, noise);
                }
                SampleVectors.assertClose(tensor, v.tensor(tensor), result, LATENT_ABS, 0);
                assertEquals(noiseUsed, noise.count, "noise draws");
            }));
        }
        return tests.stream();
    }

    private static double num(Object o) {
        return o instanceof Long l ? l : (Double) o;
    }
}
