package dev.sdfarm.deploy;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chart README's values table is what ChartReadme makes of values.yaml, and every value is documented. */
class ChartReadmeTest {
    @Test
    void readmeValuesTableIsGeneratedFromValuesYaml() throws Exception {
        String values = Files.readString(Chart.DIR.resolve("values.yaml"));
        String readme = Files.readString(Chart.DIR.resolve("README.md"));
        assertEquals(ChartReadme.withTable(readme, ChartReadme.table(values)), readme,
                "deploy/helm/sdfarm/README.md's values table is stale: run deploy/generate-readme");
    }

    @Test
    void everyValueIsDocumentedInItsSection() throws Exception {
        List<ChartReadme.Param> params = ChartReadme.params(Files.readString(Chart.DIR.resolve("values.yaml")));
        assertTrue(params.size() > 100, "only " + params.size() + " values");
        ChartReadme.Param gpu = params.stream().filter(p -> p.path().equals("worker.gpu.count")).findFirst()
                .orElseThrow();
        assertEquals("Worker parameters", gpu.section());
        assertEquals("1", gpu.value());
    }

    @Test
    void tableRowsShowPathDescriptionAndDefault() {
        String table = ChartReadme.table("""
                ## @section Things
                ## @param a.b First | second
                a:
                  b: "x"
                  ## @param a.c Empty list
                  c: []
                """);
        assertEquals("""
                ### Things

                | Name | Description | Value |
                | ---- | ----------- | ----- |
                | `a.b` | First \\| second | `"x"` |
                | `a.c` | Empty list | `[]` |
                """, table);
    }

    @Test
    void refusesAnUndocumentedValue() {
        var e = assertThrows(ChartReadme.ValuesDocException.class, () -> ChartReadme.table("""
                ## @param a Documented
                a: 1
                b:
                  c: 2
                """));
        assertTrue(e.getMessage().contains("value b.c has no '## @param b.c <description>' line"), e.getMessage());
    }

    @Test
    void refusesAParamForNoValueAndBlockLists() {
        var e = assertThrows(ChartReadme.ValuesDocException.class, () -> ChartReadme.table("""
                ## @param a.x Nothing there
                ## @param b A list
                a:
                  y: 1
                b:
                  - one
                """));
        assertTrue(e.getMessage().contains("## @param a.x names no value"), e.getMessage());
        assertTrue(e.getMessage().contains("line 6: '- one' is neither a key nor a comment"), e.getMessage());
    }

    @Test
    void refusesAReadmeWithoutMarkers() {
        var e = assertThrows(ChartReadme.ValuesDocException.class, () -> ChartReadme.withTable("# x\n", "t"));
        assertTrue(e.getMessage().contains(ChartReadme.START), e.getMessage());
    }
}
