# publisher.py - Simulates temperature sensor
import paho.mqtt.client as mqtt
import time
import random
import json

client = mqtt.Client("temp_sensor_01")
client.connect("localhost", 1883, 60)

while True:
    data = {
        "sensor_id": "temp_01",
        "temperature": round(random.uniform(18.0, 28.0), 2),
        "humidity": round(random.uniform(30.0, 70.0), 2),
        "timestamp": time.time()
    }
    
    client.publish(
        "sensors/temperature/living-room",
        json.dumps(data),
        qos=1
    )
    
    print(f"Published: {data}")
    time.sleep(10)
