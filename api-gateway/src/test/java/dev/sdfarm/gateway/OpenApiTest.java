package dev.sdfarm.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

@QuarkusTest
@QuarkusTestResource(value = FarmTestResource.class, restrictToAnnotatedClass = false)
class OpenApiTest {
    @Test
    void bothApisAreDescribedAtQOpenapiWithoutCredentials() {
        RestAssured.given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .body("paths.'/v1/jobs'.post", notNullValue())
                .body("paths.'/v1/jobs/{id}/events'.get", notNullValue())
                .body("paths.'/v1/models'.get", notNullValue())
                .body("paths.'/v1/workers'.get.parameters.name", hasItem("state"))
                .body("paths.'/v1/conversions'.post", notNullValue())
                .body("paths.'/v1/conversions/bulk'.post", notNullValue())
                .body("paths.'/v1/conversions/{id}'.get", notNullValue())
                .body("paths.'/v1/conversions/bulk/{id}'.get", notNullValue())
                .body("components.schemas.ConversionOptions.properties.drop_junk", notNullValue())
                .body("paths.'/sdapi/v1/txt2img'.post", notNullValue())
                .body("paths.'/sdapi/v1/png-info'.post", notNullValue())
                .body("components.schemas.JobRequest.properties.negative_prompt", notNullValue());
        RestAssured.get("/q/swagger-ui/").then().statusCode(200).body(containsString("swagger"));
    }
}
