package dev.sdfarm.checkpoint.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sdfarm.checkpoint.TestBytes;
import dev.sdfarm.checkpoint.json.StrictJson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LdmScheduleTest {
    @Test
    @SuppressWarnings("unchecked")
    void matchesLdmRegisterScheduleBitForBit() {
        Map<String, List<String>> expected = (Map<String, List<String>>) StrictJson.parse(
                TestBytes.resource("synth/schedule-sd1.json"));
        Map<String, float[]> ours = LdmSchedule.values(1000, 0.00085, 0.012);
        assertEquals(expected.keySet(), ours.keySet());
        int mismatches = 0;
        StringBuilder first = new StringBuilder();
        for (var e : expected.entrySet()) {
            float[] v = ours.get(e.getKey());
            for (int i = 0; i < v.length; i++) {
                int want = Integer.parseUnsignedInt(e.getValue().get(i), 16);
                if (Float.floatToRawIntBits(v[i]) != want) {
                    if (mismatches++ == 0) {
                        first.append(e.getKey()).append('[').append(i).append("]: ").append(v[i])
                                .append(" vs ").append(Float.intBitsToFloat(want));
                    }
                }
            }
        }
        assertEquals(0, mismatches, "first mismatch " + first);
    }
}
