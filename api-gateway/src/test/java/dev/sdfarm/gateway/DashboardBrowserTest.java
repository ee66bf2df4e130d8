package dev.sdfarm.gateway;

import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.GenerationRequest;
import dev.sdfarm.core.message.JobEvent;
import dev.sdfarm.core.message.JobEventType;
import dev.sdfarm.core.message.Messages;
import dev.sdfarm.core.message.OutputImage;
import dev.sdfarm.core.store.FileObjectStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static dev.sdfarm.gateway.TestFarm.as;
import static dev.sdfarm.gateway.TestFarm.await;
import static dev.sdfarm.gateway.TestFarm.key;
import static dev.sdfarm.gateway.TestFarm.model;
import static dev.sdfarm.gateway.TestFarm.operatorKey;
import static dev.sdfarm.gateway.TestFarm.submit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard in a real headless Chromium, driven through the system ChromeDriver: an operator logs in, jobs
 * submitted through the API move through a worker's events, and the page follows them without a reload. Saves a
 * screenshot of each view to {@code bench/screenshots/}. Skipped where Chromium or ChromeDriver is missing.
 */
@QuarkusTest
@QuarkusTestResource(value = FarmTestResource.class, restrictToAnnotatedClass = false)
class DashboardBrowserTest {
    private static final Map<String, Object> BATCH_JOB = Map.of("prompt", "a harbour in the rain", "steps", 4,
            "width", 64, "height", 64, "priority", "batch");
    private static WebDriver browser;
    private static WebDriverWait wait;

    @TestHTTPResource("/dashboard")
    URL dashboard;

    @BeforeAll
    static void startBrowser() {
        Optional<Path> driver = executable("SDFARM_CHROMEDRIVER", "chromedriver");
        Optional<Path> chromium = executable("SDFARM_CHROMIUM", "chromium");
        if (driver.isEmpty() || chromium.isEmpty()) {
            return; // each test is skipped, with how to install them
        }
        // The system driver and browser are given explicitly: Selenium Manager must never download anything.
        System.setProperty("SE_OFFLINE", "true");
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, driver.get().toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.get().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.get().toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.ignoring(StaleElementReferenceException.class); // live views replace their rows at every update
    }

    @BeforeEach
    void needsTheBrowser() {
        assumeTrue(browser != null, "chromium or chromedriver not found (PATH, or SDFARM_CHROMIUM and "
                + "SDFARM_CHROMEDRIVER): the dashboard's browser test is skipped. Run scripts/test-tools or "
                + "apt-get install chromium chromium-driver");
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private static Optional<Path> executable(String env, String name) {
        String configured = System.getenv(env);
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @Test
    void operatorFollowsTheFarmLive() throws Exception {
        String sha = model();
        String op = operatorKey();
        String submitter = key("harbour");
        String other = key("orchard");

        // A submitter's key is refused with a clear message.
        browser.get(dashboard.toString());
        login(submitter);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("login-error"), "no operator role"));
        shot("login");

        // Some history for the charts: jobs that finished over the last hour, as a worker reports them.
        Instant now = Instant.now();
        for (int i = 0; i < 12; i++) {
            UUID id = UUID.fromString(submit(i % 3 == 0 ? other : submitter, BATCH_JOB).then().statusCode(202)
                    .extract().path("id"));
            Instant end = now.minus(55 - i * 4L, ChronoUnit.MINUTES);
            JobEvent last = i % 5 == 4
                    ? JobEvent.ended(JobEventType.FAILED, id, "gpu-1", 2, 4, "CUDA out of memory", end)
                    : JobEvent.succeeded(id, "gpu-1", 4, List.of(), end);
            TestFarm.emit(JobEvent.started(id, "gpu-1", 4, end.minusSeconds(4 + i % 4 * 2)), last);
        }

        login(op);
        By queuedBatch = By.cssSelector("#queued-batch .card-value");
        wait.until(ExpectedConditions.visibilityOfElementLocated(queuedBatch));
        // Two more jobs wait in the batch queue; the overview follows without a reload.
        List<String> waiting = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> requests = TestFarm.consumer(Topics.GENERATION_BATCH)) {
            for (int i = 0; i < 2; i++) {
                waiting.add(submit(submitter, BATCH_JOB).then().statusCode(202).extract().path("id"));
            }
            int queued = as(op).get("/v1/dashboard/overview").then().extract().path("queued.batch");
            wait.until(ExpectedConditions.textToBe(queuedBatch, String.valueOf(queued)));

            // The jobs view shows the first one QUEUED, then RUNNING at step 2, then SUCCEEDED with its image.
            String job = waiting.getFirst();
            browser.get(dashboard + "/#jobs");
            By row = By.cssSelector("#jobs-table tr[data-job-id='" + job + "']");
            wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "QUEUED"));
            browser.findElement(row).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("job-detail"), "a harbour in the rain"));
            Object marker = ((org.openqa.selenium.JavascriptExecutor) browser)
                    .executeScript("return window.performance.timeOrigin;");

            UUID jobId = UUID.fromString(job);
            Map<String, ConsumerRecord<String, byte[]>> requested = new java.util.HashMap<>();
            TestFarm.find(requests, x -> {
                String id = Messages.fromJson(x.value(), GenerationRequest.class).jobId().toString();
                if (waiting.contains(id)) {
                    requested.put(id, x);
                }
                return requested.size() == waiting.size();
            });
            GenerationRequest r = Messages.fromJson(requested.get(job).value(), GenerationRequest.class);
            TestFarm.emit(JobEvent.started(jobId, "gpu-1", 4, Instant.now()),
                    JobEvent.progress(jobId, "gpu-1", 2, 4, Instant.now()));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "RUNNING"));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "2/4"));
            shot("jobs-running");
            List<OutputImage> outputs = FakeWorker.render(new FileObjectStore(FarmTestResource.storeRoot), r);
            TestFarm.emit(JobEvent.succeeded(jobId, "gpu-1", 4, outputs, Instant.now()));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "SUCCEEDED"));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "4/4"));
            WebElement thumb = wait.until(ExpectedConditions.visibilityOfElementLocated(
                    By.cssSelector("#job-detail .thumbs img")));
            wait.until(d -> ((Number) ((org.openqa.selenium.JavascriptExecutor) d)
                    .executeScript("return arguments[0].naturalWidth;", thumb)).intValue() == 64);
            assertEquals(marker, ((org.openqa.selenium.JavascriptExecutor) browser)
                    .executeScript("return window.performance.timeOrigin;"), "the page was never reloaded");
            shot("jobs");

            // Filtered to one tenant, the table holds only that tenant's jobs.
            browser.findElement(By.id("filter-tenant")).sendKeys("orchard");
            browser.findElement(By.cssSelector("#jobs-filter button[type=submit]")).click();
            wait.until(d -> {
                List<String> tenants = d.findElements(By.cssSelector("#jobs-table tbody tr td:nth-child(2)"))
                        .stream().map(WebElement::getText).toList();
                return !tenants.isEmpty() && tenants.stream().allMatch("orchard"::equals);
            });

            // The DLQ: the second job failed on every attempt; the operator puts it back in the queue.
            String second = waiting.get(1);
            TestFarm.deadLetter(requested.get(second), "IllegalStateException: CUDA error: an illegal memory access", 3);
            TestFarm.emit(JobEvent.ended(JobEventType.FAILED, UUID.fromString(second), "gpu-1", 0, 4,
                    "the worker failed 3 times", Instant.now()));
            await(submitter, second, x -> "FAILED".equals(x.path("state")));
            browser.get(dashboard + "/#dlq");
            By dlqRow = By.xpath("//div[@id='dlq-body']//tr[td[@title='" + second + "']]");
            wait.until(ExpectedConditions.visibilityOfElementLocated(dlqRow));
            shot("dlq");
            browser.findElement(dlqRow).findElement(By.cssSelector("button.requeue")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("dlq-message"), "queued again"));
            await(submitter, second, x -> "QUEUED".equals(x.path("state")));
        }

        // Interactive jobs of two tenants render through the fake worker; the gallery shows their images.
        try (FakeWorker worker = new FakeWorker()) {
            List<String> owners = List.of(submitter, other, submitter);
            for (int i = 0; i < owners.size(); i++) {
                String k = owners.get(i);
                String id = submit(k, Map.of("prompt", "a lantern festival", "steps", 4, "width", 64, "height", 64,
                        "seed", 3 + i)).then().statusCode(202).extract().path("id");
                await(k, id, x -> "SUCCEEDED".equals(x.path("state")));
            }
        }
        browser.get(dashboard + "/#gallery");
        wait.until(d -> d.findElements(By.cssSelector("#gallery-body figure img")).size() >= 3);
        wait.until(d -> (Boolean) ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
                "return [...document.querySelectorAll('#gallery-body img')].slice(0, 3)"
                        + ".every(i => i.complete && i.naturalWidth > 0);"));
        assertTrue(browser.findElement(By.id("gallery-body")).getText().contains("orchard"));
        shot("gallery");

        browser.get(dashboard + "/#models");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("models-body"), sha.substring(0, 12)));
        shot("models");

        // A worker reports in: the workers view shows it with its resident model and current job.
        WorkersApiTest.publish(WorkersApiTest.heartbeat("gpu-1", "render-node-1", Instant.now(), List.of(sha),
                List.of(UUID.fromString(waiting.get(1)))));
        browser.get(dashboard + "/#workers");
        By workerRow = By.cssSelector("#workers-body tr[data-worker-id='gpu-1']");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(workerRow, "ALIVE"));
        String worker = browser.findElement(workerRow).getText();
        assertTrue(worker.contains("render-node-1") && worker.contains("tiny")
                && worker.contains(waiting.get(1).substring(0, 8)), worker);
        shot("workers");
        // A conversion of a file that is not a checkpoint runs the real converter (the local launcher) and fails
        // with its reason; a successful one would register a second model, which this gateway's job tests do not
        // expect (the conversion tests run in a gateway of their own).
        Path notACheckpoint = FarmTestResource.storeRoot.resolve("models/raw/notes.safetensors");
        Files.createDirectories(notACheckpoint.getParent());
        Files.writeString(notACheckpoint, "training notes, not a checkpoint");
        String conversion = as(op).contentType("application/json")
                .body(Map.of("source", "models/raw/notes.safetensors", "options", Map.of("precision", "fp16")))
                .post("/v1/conversions").then().statusCode(202).extract().path("id");
        browser.get(dashboard + "/#conversions");
        By conversionRow = By.xpath("//div[@id='conversions-body']//tr[contains(., '" + conversion.substring(0, 8)
                + "')]");
        wait.withTimeout(java.time.Duration.ofSeconds(90)).until(
                ExpectedConditions.textToBePresentInElementLocated(conversionRow, "FAILED"));
        assertTrue(browser.findElement(conversionRow).getText().contains("notes.safetensors"),
                browser.findElement(conversionRow).getText());
        shot("conversions");

        browser.get(dashboard + "/#overview");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("live"), "live"));
        wait.until(d -> !d.findElement(By.cssSelector("#active-queued .card-value")).getText().equals("–"));
        assertTrue((Boolean) ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "return typeof window.Chart === 'function';"), "Chart.js is served from the webjar");
        shot("overview");
    }

    private void login(String key) {
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key")));
        input.clear();
        input.sendKeys(key);
        browser.findElement(By.cssSelector("#login-form button[type=submit]")).click();
    }

    /**
     * Saves the view to {@code target/screenshots/}, or to the folder named by {@code -Dsdfarm.screenshots}
     * (the committed ones: {@code -Dsdfarm.screenshots=../bench/screenshots}), so a test run changes no tracked file.
     */
    private static void shot(String view) throws Exception {
        Path dir = Path.of(System.getProperty("sdfarm.screenshots", "target/screenshots")).toAbsolutePath();
        Files.createDirectories(dir);
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.write(dir.resolve("dashboard-" + view + ".png"), png);
    }
}
