package dev.sdfarm.diffusion.sample;

import dev.sdfarm.diffusion.rng.LatentNoise;
import dev.sdfarm.diffusion.rng.LatentShape;
import dev.sdfarm.diffusion.rng.NoiseSource;
import dev.sdfarm.diffusion.rng.SeedPlan;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Names, aliases and defaults as A1111's sampler and scheduler lists give them. */
class SamplerRegistryTest {
    @Test
    void samplersByLabelAndAlias() {
        assertEquals(Sampler.EULER_A, Sampler.byName("Euler a"));
        assertEquals(Sampler.EULER_A, Sampler.byName("k_euler_a"));
        assertEquals(Sampler.EULER_A, Sampler.byName("k_euler_ancestral"));
        assertEquals(Sampler.DPMPP_2M, Sampler.byName("DPM++ 2M"));
        assertEquals(Sampler.DPMPP_2M, Sampler.byName("k_dpmpp_2m"));
        assertEquals(Sampler.DDIM, Sampler.byName("ddim"));
        assertEquals(Sampler.LMS, Sampler.byName("lms"));
        assertEquals(Sampler.UNIPC, Sampler.byName("UniPC"));
        assertEquals(Sampler.UNIPC, Sampler.byName("unipc"));
        assertEquals(Sampler.PLMS, Sampler.byName("PLMS"));
        assertEquals(Sampler.PLMS, Sampler.byName("plms"));
        assertTrue(Sampler.DDIM.usesTimesteps());
        assertTrue(Sampler.PLMS.usesTimesteps());
        assertTrue(Sampler.UNIPC.usesTimesteps());
        assertFalse(Sampler.EULER.usesTimesteps());
    }

    @Test
    void defaultSchedulersAndDiscard() {
        assertEquals(Scheduler.KARRAS, Sampler.DPMPP_2M.defaultScheduler());
        assertEquals(Scheduler.AUTOMATIC, Sampler.EULER.defaultScheduler());
        assertEquals(Scheduler.EXPONENTIAL, Sampler.DPMPP_3M_SDE.defaultScheduler());
        assertTrue(Sampler.DPM2.discardNextToLastSigma());
        assertTrue(Sampler.DPMPP_3M_SDE.discardNextToLastSigma());
        assertFalse(Sampler.EULER.discardNextToLastSigma());
        DiscreteSchedule model = DiscreteSchedule.sd1();
        assertEquals(11, Sampler.DPM2.sigmas(Scheduler.AUTOMATIC, 10, model, false).length);
        assertArrayEquals(Scheduler.KARRAS.sigmas(10, model), Sampler.DPMPP_2M.sigmas(null, 10, model, false));
        assertArrayEquals(model.getSigmas(10), Sampler.EULER.sigmas(Scheduler.AUTOMATIC, 10, model, false));
    }

    @Test
    void unknownNamesListTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sampler.byName("Euler b"));
        assertTrue(e.getMessage().contains("Euler b") && e.getMessage().contains("DPM++ 2M") && e.getMessage().contains("k_euler_a"),
                e.getMessage());
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> Scheduler.byName("Karas"));
        assertTrue(s.getMessage().contains("Karas") && s.getMessage().contains("Karras (karras)"), s.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sampler.byName(null));
    }

    @Test
    void schedulersByNameLabelAndAlias() {
        assertEquals(Scheduler.SGM_UNIFORM, Scheduler.byName("sgm_uniform"));
        assertEquals(Scheduler.SGM_UNIFORM, Scheduler.byName("SGM Uniform"));
        assertEquals(Scheduler.SGM_UNIFORM, Scheduler.byName("SGMUniform"));
        assertEquals(Scheduler.ALIGN_YOUR_STEPS, Scheduler.byName("Align Your Steps"));
        assertEquals(Scheduler.AUTOMATIC, Scheduler.byName(""));
        assertEquals(7.0, Scheduler.KARRAS.defaultRho());
        assertEquals(Scheduler.BETA, Scheduler.byName("beta"));
    }

    @Test
    void ddimTimestepsAsA1111() {
        assertArrayEquals(new int[]{1, 251, 501, 751}, Ddim.timesteps(4, 1000, false));
        assertArrayEquals(new int[]{1, 334, 667, 999}, Ddim.timesteps(3, 1000, false));
        assertArrayEquals(new int[]{1, 201, 401, 601, 801}, Ddim.timesteps(4, 1000, true));
    }

    @Test
    void timestepSamplersCountTheirModelCalls() {
        DiscreteSchedule model = DiscreteSchedule.sd1();
        int[] ts = Sampler.UNIPC.timesteps(3, model, false);
        assertArrayEquals(new int[]{1, 334, 667, 999}, ts);
        assertEquals(3, Sampler.DDIM.timestepEvaluations(ts));
        assertEquals(4, Sampler.PLMS.timestepEvaluations(ts));
        assertEquals(4, Sampler.UNIPC.timestepEvaluations(ts));
        assertThrows(IllegalStateException.class, () -> Sampler.EULER.timesteps(10, model, false));
        assertThrows(IllegalStateException.class, () -> Sampler.UNIPC.sigmas(Scheduler.AUTOMATIC, 10, model, false));
    }

    @Test
    void uniPcRefusesFewerStepsThanItsOrderAsA1111() {
        DiscreteSchedule model = DiscreteSchedule.sd1();
        int[] ts = Sampler.UNIPC.timesteps(2, model, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sampler.UNIPC.sampleTimesteps(
                (x, t) -> x.clone(), new float[4], ts, model, SamplerParams.DEFAULTS, SamplerNoise.sequence(List.of())));
        assertTrue(e.getMessage().contains("UniPC order must be < sampling steps"), e.getMessage());
    }

    @Test
    void latentNoiseFeedsTheBatchInOrder() {
        SeedPlan plan = SeedPlan.forImages(5, 0, 0, 2);
        LatentShape shape = LatentShape.forImage(64, 64);
        LatentNoise expected = new LatentNoise(NoiseSource.CPU, shape, plan);
        SamplerNoise noise = SamplerNoise.of(new LatentNoise(NoiseSource.CPU, shape, plan));
        for (int draw = 0; draw < 2; draw++) {
            float[][] images = expected.next();
            float[] flat = noise.next(1f, 0.5f);
            assertEquals(images.length * images[0].length, flat.length);
            for (int i = 0; i < images.length; i++) {
                float[] part = new float[images[i].length];
                System.arraycopy(flat, i * part.length, part, 0, part.length);
                assertArrayEquals(images[i], part);
            }
        }
    }

    @Test
    void noiseSequenceRunsOut() {
        SamplerNoise noise = SamplerNoise.sequence(List.of(new float[]{1f}));
        assertArrayEquals(new float[]{1f}, noise.next(0, 0));
        assertThrows(IllegalStateException.class, () -> noise.next(0, 0));
    }
}
